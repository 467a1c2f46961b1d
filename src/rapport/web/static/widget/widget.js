/* Rapport chat widget. One tag on any page:
 *   <script src="https://rapport.example.com/widget.js" defer></script>
 * Options (data- attributes on the tag): data-language="en|zh", data-customer-token="<signed token from your
 * server>" for a logged-in customer, data-open="true" to start open. Vanilla JS, no build, no cookies; the widget
 * lives in a shadow root so the page's styles and the widget's do not mix. */
(function () {
  "use strict";
  if (window.RapportWidget) return;
  var script = document.currentScript;
  var base = new URL(script.src, location.href).origin;
  var api = base + "/api/assistant/widget";
  var data = script.dataset || {};
  var lang = data.language === "en" || data.language === "zh" ? data.language :
    ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  var storeKey = "rapport-widget:" + base + ":" + (data.customerToken ? "c" : "v");
  var T = {
    en: { open: "Chat with us", title: "Help", close: "Close chat", placeholder: "Type your question…", send: "Send",
      human: "Talk to a person", sources: "Sources", verifyTitle: "Confirm it's you", email: "Email",
      order: "Order number", verify: "Verify", contactTitle: "How can our team reach you?", name: "Name (optional)",
      contact: "Connect me", verified: "Thanks, you're verified. Ask me about your orders.", thinking: "…",
      waiting: "Waiting for a person from our team…", error: "Sorry, something went wrong. Please try again." },
    zh: { open: "在线客服", title: "帮助", close: "关闭", placeholder: "请输入您的问题…", send: "发送",
      human: "转人工客服", sources: "来源", verifyTitle: "验证身份", email: "邮箱", order: "订单号", verify: "验证",
      contactTitle: "客服如何联系您？", name: "姓名（选填）", contact: "转接人工", verified: "验证成功，您可以查询订单了。",
      thinking: "…", waiting: "正在等待人工客服…", error: "抱歉，出错了，请稍后再试。" }
  }[lang === "zh" ? "zh" : "en"];

  var state = { token: null, status: "bot", lastId: 0, polling: null, busy: false };
  try { state.token = sessionStorage.getItem(storeKey); } catch (e) { /* storage blocked: a new conversation */ }

  var host = document.createElement("div");
  host.id = "rapport-widget";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    '<link rel="stylesheet" href="' + base + '/static/widget/widget.css">' +
    '<button class="launcher" type="button" aria-expanded="false" aria-controls="panel">' + T.open + "</button>" +
    '<section id="panel" class="panel" role="dialog" aria-label="' + T.title + '" hidden>' +
    '<header><span class="title">' + T.title + '</span><button class="close" type="button" aria-label="' + T.close +
    '">×</button></header>' +
    '<ol class="log" aria-live="polite"></ol>' +
    '<form class="verify" hidden><p>' + T.verifyTitle + "</p>" +
    '<label>' + T.email + ' <input name="email" type="email" autocomplete="email" required></label>' +
    '<label>' + T.order + ' <input name="order_number" required></label><button type="submit">' + T.verify +
    "</button></form>" +
    '<form class="contact" hidden><p>' + T.contactTitle + "</p>" +
    '<label>' + T.email + ' <input name="email" type="email" autocomplete="email" required></label>' +
    '<label>' + T.name + ' <input name="name" autocomplete="name"></label><button type="submit">' + T.contact +
    "</button></form>" +
    '<form class="ask"><label class="sr" for="q">' + T.placeholder + "</label>" +
    '<textarea id="q" name="text" rows="2" maxlength="2000" placeholder="' + T.placeholder + '" required></textarea>' +
    '<button type="submit">' + T.send + "</button></form>" +
    '<button class="human" type="button">' + T.human + "</button>" +
    "</section>";
  var $ = function (sel) { return root.querySelector(sel); };
  var panel = $(".panel"), launcher = $(".launcher"), log = $(".log");

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  function link(url) { return url && url.charAt(0) === "/" ? base + url : null; }
  function render(text, citations) {
    var byN = {};
    (citations || []).forEach(function (c) { byN[c.n] = c; });
    return escapeHtml(text)
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/\[(\d{1,2})\]/g, function (m, n) {
        var c = byN[n], url = c && link(c.url);
        return url ? '<sup><a href="' + escapeHtml(url) + '" target="_blank" rel="noopener" title="' +
          escapeHtml(c.title) + '">[' + n + "]</a></sup>" : "<sup>[" + n + "]</sup>";
      })
      .replace(/\n/g, "<br>");
  }
  function sourcesHtml(citations) {
    var items = (citations || []).map(function (c) {
      var url = link(c.url), label = escapeHtml(c.title + (c.heading && c.heading.indexOf("›") > 0 ? " › " +
        c.heading.split(" › ").pop() : ""));
      return "<li>[" + c.n + "] " + (url ? '<a href="' + escapeHtml(url) + '" target="_blank" rel="noopener">' +
        label + "</a>" : label) + "</li>";
    });
    return items.length ? '<div class="sources">' + T.sources + "<ul>" + items.join("") + "</ul></div>" : "";
  }
  function bubble(role, html) {
    var li = document.createElement("li");
    li.className = "msg " + role;
    li.innerHTML = '<div class="text">' + html + "</div>";
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function show(message) {
    if (message.id) state.lastId = Math.max(state.lastId, message.id);
    if (!message.text) return;
    var li = bubble(message.role, render(message.text, message.citations));
    li.insertAdjacentHTML("beforeend", sourcesHtml(message.citations));
  }

  function request(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers["X-Conversation-Token"] = state.token;
    return fetch(api + path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) throw new Error((json.error && json.error.message) || T.error);
          return json;
        });
      });
  }
  function start() {
    if (state.token) {
      return request("GET", "/messages?after=0").then(function (json) {
        json.messages.forEach(show);
        setStatus(json.status);
      }).catch(function () { state.token = null; return start(); });
    }
    return request("POST", "/conversations", {
      language: data.customerToken && !data.language ? "auto" : lang, page_url: location.href.slice(0, 500),
      customer_token: data.customerToken || null
    }).then(function (json) {
      state.token = json.token;
      try { sessionStorage.setItem(storeKey, json.token); } catch (e) { /* not kept across reloads then */ }
      return request("GET", "/messages?after=0").then(function (m) { m.messages.forEach(show); });
    });
  }
  function setStatus(status) {
    state.status = status;
    if ((status === "waiting" || status === "agent") && !state.polling) {
      state.polling = setInterval(poll, 3000);
    }
  }
  function poll() {
    request("GET", "/messages?after=" + state.lastId).then(function (json) {
      json.messages.forEach(show);
      state.status = json.status;
      if (json.status === "bot" || json.status === "closed") { clearInterval(state.polling); state.polling = null; }
    }).catch(function () { /* try again on the next tick */ });
  }

  function send(text) {
    if (state.busy) return;
    state.busy = true;
    bubble("customer", render(text));
    var li = bubble("assistant pending", T.thinking), textEl = li.querySelector(".text"), written = "";
    fetch(api + "/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-Conversation-Token": state.token },
      body: JSON.stringify({ text: text })
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (j) { throw new Error(j.error ? j.error.message : T.error); });
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(function (part) {
            var name = "message", payload = "";
            part.split("\n").forEach(function (line) {
              if (line.indexOf("event: ") === 0) name = line.slice(7);
              else if (line.indexOf("data: ") === 0) payload += line.slice(6);
            });
            if (payload) handle(name, JSON.parse(payload));
          });
          return pump();
        });
      }
      function handle(name, event) {
        if (name === "delta") {
          written += event.text;
          li.classList.remove("pending");
          textEl.innerHTML = render(written);
        } else if (name === "answer") {
          finish(li, textEl, event);
        } else if (name === "error") {
          throw new Error(event.message);
        }
      }
      return pump();
    }).catch(function (error) {
      li.classList.remove("pending");
      li.classList.add("error");
      textEl.textContent = error.message || T.error;
    }).then(function () { state.busy = false; });
  }
  function finish(li, textEl, event) {
    li.classList.remove("pending");
    if (event.queued) { li.remove(); setStatus(event.status); return; }
    if (event.message_id) state.lastId = Math.max(state.lastId, event.message_id);
    textEl.innerHTML = render(event.text, event.citations);
    li.insertAdjacentHTML("beforeend", sourcesHtml(event.citations));
    if (event.abstained) li.classList.add("abstained");
    $(".verify").hidden = !event.needs_verification;
    $(".contact").hidden = !event.needs_contact;
    if (event.handoff) {
      if (event.handoff.text) bubble("assistant", render(event.handoff.text));
      setStatus("waiting");
    } else if (event.status) {
      setStatus(event.status);
    }
    log.scrollTop = log.scrollHeight;
  }

  launcher.addEventListener("click", function () {
    var opening = panel.hidden;
    panel.hidden = !opening;
    launcher.setAttribute("aria-expanded", String(opening));
    if (opening && !log.children.length) start().catch(function () { bubble("error", T.error); });
    if (opening) $("textarea").focus();
  });
  $(".close").addEventListener("click", function () { panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); });
  $(".ask").addEventListener("submit", function (e) {
    e.preventDefault();
    var box = $("textarea"), text = box.value.trim();
    if (!text || !state.token) return;
    box.value = "";
    send(text);
  });
  $("textarea").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $(".ask").requestSubmit(); }
  });
  $(".human").addEventListener("click", function () {
    request("POST", "/handoff", {}).then(handoffDone).catch(function (e) { bubble("error", escapeHtml(e.message)); });
  });
  function handoffDone(json) {
    if (json.needs_contact) { $(".contact").hidden = false; $(".contact input").focus(); return; }
    $(".contact").hidden = true;
    if (json.message) show(json.message);
    setStatus(json.status);
  }
  $(".contact").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    request("POST", "/handoff", { email: form.email.value, name: form.name.value || null })
      .then(handoffDone).catch(function (err) { bubble("error", escapeHtml(err.message)); });
  });
  $(".verify").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    request("POST", "/verify", { email: form.email.value, order_number: form.order_number.value })
      .then(function () { form.hidden = true; bubble("system", escapeHtml(T.verified)); })
      .catch(function (err) { bubble("error", escapeHtml(err.message)); });
  });

  document.body.appendChild(host);
  window.RapportWidget = { open: function () { if (panel.hidden) launcher.click(); } };
  if (data.open === "true") window.RapportWidget.open();
})();
