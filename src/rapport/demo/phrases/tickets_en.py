"""What English-speaking customers write to support, per intent: bodies by sentiment, subjects and asides.

Placeholders: {order} (digits, no '#'), {product}, {sku}, {amount} (with currency), {days}, {code} (device error
code), {courier}. A template is only drawn when the ticket context has every field it names.
"""

from typing import Final

from rapport.demo.phrases import Sentiment

BODIES: Final[dict[str, dict[Sentiment, tuple[str, ...]]]] = {
    "order_status": {
        "neutral": (
            "Could you tell me where my order #{order} is? The tracking page hasn't updated in a while.",
            "Can you give me an update on order #{order}? I ordered the {product} last week.",
            "Just checking on the status of my order. Has it shipped yet?",
            "when will my order ship? placed it on monday and it still says processing",
            "Is there a tracking number for order #{order}? I never got the shipping confirmation email.",
            "What's the estimated delivery date for the {product}? Order number is {order}.",
            "The tracking for #{order} says 'label created' but nothing since. Is it actually on its way?",
            "Could you check whether {courier} has picked up my parcel yet? Order #{order}.",
            "Quick question - has order {order} left the warehouse?",
        ),
        "negative": (
            "I've been waiting on order #{order} for over a week and still have no idea where it is. "
            "Can someone check?",
            "Your website just says 'processing' for my order. That's not very helpful. When is it shipping?",
            "I placed an order ages ago and have heard nothing. No email, no tracking. What is going on?",
        ),
        "very_negative": (
            "Where is my order?? #{order}. Nobody answers my emails and the tracking hasn't moved in days.",
        ),
    },
    "refund_request": {
        "neutral": (
            "Hi, I'd like a refund for order #{order}, please. The item just wasn't for me.",
            "How long does a refund usually take? Your warehouse confirmed my return of order #{order} on Monday.",
            "Could the refund go to a different card? The one I paid with has been cancelled.",
            "Can you refund the {amount} for the {product}? I posted it back last week.",
        ),
        "negative": (
            "I returned the {product} two weeks ago and still haven't received my refund. Order #{order}.",
            "I was told my refund of {amount} was processed but nothing has shown up on my card.",
            "I want my money back for the {product}. It stopped working after three days.",
            "Please refund order #{order}. I cancelled it before it shipped and was still charged {amount}.",
            "It's been 3 weeks since you received my return. Where is my refund of {amount}?",
        ),
        "very_negative": (
            "Still waiting on a refund for #{order}. This is the THIRD time I'm asking.",
            "Refund me now. I am done with this company.",
        ),
    },
    "late_delivery": {
        "neutral": (
            "My order #{order} was supposed to arrive {days} days ago. Any news?",
            "Hi there, just wondering if there's a delay on your end? I expected my package on Tuesday.",
            "{courier} keeps pushing back the delivery date for order #{order}. Could you chase them?",
        ),
        "negative": (
            "The delivery date for my {product} has come and gone. It's now {days} days late.",
            "Tracking has said 'in transit' for {days} days. Is the parcel lost?",
            "It's a birthday present and it's already {days} days late. Will it arrive before the weekend?",
            "the package was due last week and tracking hasnt updated since it left the warehouse",
            "Still no sign of my parcel. I paid for express shipping and it's {days} days late, "
            "so I'd like the shipping fee back.",
        ),
        "very_negative": (
            "This is ridiculous. {days} days late and nobody can tell me where my order is.",
            "I needed this for an event that has now passed. Order #{order} is {days} days late and useless to me now.",
        ),
    },
    "damaged_item": {
        "negative": (
            "The {product} arrived broken. The box was crushed on one side, photos attached.",
            "My order #{order} came today and the glass is cracked. What should I do?",
            "Received the {product} with a deep scratch across the front. Can I get a replacement?",
            "The box was soaking wet when it arrived and the {product} inside is ruined.",
            "One of the items in the set was smashed in the box. Do I need to send it back?",
            "The packaging looked fine but the item inside is dented. Order #{order}.",
            "Item {sku} arrived with a cracked casing straight out of the box.",
            "Everything arrived but the lid is snapped in half. Could you send just a new lid?",
            "The {product} is leaking everywhere, the bottle must have split in transit.",
        ),
        "very_negative": (
            "Absolutely unacceptable. This is the second order from you that has arrived damaged.",
            "Opened the box and the {product} is in pieces. Do you even pack these things properly??",
        ),
    },
    "wrong_item": {
        "neutral": (
            "You sent me the wrong colour, I ordered black and got white. How do I swap it?",
            "How do I exchange the wrong item I received? Do I need to pay for postage?",
            "The size is wrong - I ordered a medium and the label says XL.",
        ),
        "negative": (
            "I ordered the {product} but received something completely different.",
            "Wrong item in my parcel. I got {sku} instead of what I ordered. Order #{order}.",
            "My order #{order} contained someone else's things. The packing slip has a different name on it.",
            "Only half of my order arrived. The {product} is missing.",
            "I received two of the same item and none of the other one I ordered.",
            "This is the wrong model. The box says {sku} but I ordered the newer version.",
        ),
        "very_negative": ("I can't believe you sent the wrong thing AGAIN. I need the right item by Friday.",),
    },
    "account_access": {
        "neutral": (
            "How do I change the email address on my account? I no longer have access to the old one.",
            "I signed up with Google but now it says no account exists with my email.",
            "Can't sign in on the app but the website works fine. Already tried reinstalling.",
        ),
        "negative": (
            "I can't log in to my account. The password reset email never arrives.",
            "My account is locked after too many attempts. Can you unlock it?",
            "I got a new phone and now I can't receive the two-factor code. How do I get back in?",
            "The reset link says it has expired every single time I click it.",
            "The login page just keeps loading and then says 'something went wrong'.",
            "I've been locked out for two days now and I have an order in progress. Really frustrating.",
        ),
        "very_negative": (
            "I think someone else got into my account - the email address was changed and there's an order I "
            "didn't place. Please help urgently!",
        ),
    },
    "billing_error": {
        "neutral": (
            "My bank shows a pending charge of {amount} from you but the order failed. Will that go away?",
            "The invoice for order #{order} shows the wrong tax amount. Could you send a corrected one?",
        ),
        "negative": (
            "I was charged twice for order #{order}. Two charges of {amount} on my statement.",
            "My card was charged {amount} but the order total was lower. Can you explain?",
            "There's a charge from you on my card that I don't recognise.",
            "I used a discount code but was charged the full price of {amount}.",
            "You charged me for shipping even though my order was over the free shipping threshold.",
            "I cancelled my Plus membership last month but got charged again.",
        ),
        "very_negative": (
            "Double charged AGAIN. Fix it and refund the {amount} immediately.",
            "Why was I charged {amount} for an order you cancelled? I want that money back today.",
        ),
    },
    "product_question": {
        "neutral": (
            "Does the {product} work with both iPhone and Android?",
            "What are the dimensions of the {product}? Will it fit on a small desk?",
            "Do you know when the {product} will be back in stock?",
            "Does item {sku} come with a warranty, and for how long?",
            "What's the difference between the {product} and the cheaper version?",
            "Do you ship to Canada? How much would it cost?",
            "Is there a size guide? I'm usually between a medium and a large.",
            "Can the {product} be gift wrapped, or can I add a gift note?",
            "Is the {product} available in other colours?",
            "what is the {product} made of? my son has a latex allergy",
        ),
        "positive": ("Love the {product} I bought last month! Is there a matching one in a bigger size?",),
    },
    "complaint": {
        "negative": (
            "Honestly the quality has gone downhill. The {product} feels cheap compared to last year's.",
            "The delivery driver left my parcel out in the rain in front of the house.",
            "The product description was misleading. It says leather but it's clearly plastic.",
            "I'm disappointed. The {product} looks nothing like the photos on your site.",
            "I want to make a formal complaint about how my return was handled.",
        ),
        "very_negative": (
            "I am really unhappy with the service I got. Your agent hung up on me mid-sentence.",
            "I have been a loyal customer for years and this is how I'm treated?",
            "Your chat bot is useless, I just want to talk to a real person.",
            "Three emails and no reply. This is the worst customer service I've ever dealt with.",
            "Every single time I order there's a problem. I'm seriously thinking of shopping elsewhere.",
        ),
    },
    "praise": {
        "positive": (
            "Just wanted to say thank you! The {product} arrived early and it's perfect.",
            "Huge thanks to the agent who helped me yesterday, she was amazing.",
            "Really impressed with how fast my refund came through. Great service.",
            "The {product} is even better than I expected. Will definitely order again!",
            "Love the packaging, no plastic at all. Well done.",
            "Thanks for sorting out my order so quickly, you've got a customer for life.",
            "My order arrived a day early and in perfect condition. Keep it up!",
            "Not a complaint for once :) just wanted to say the new app is much easier to use.",
            "The gift I ordered for my mum was beautifully wrapped and she loved it.",
            "five stars for the customer service team, fixed my problem in minutes",
        ),
    },
    "cancellation": {
        "neutral": (
            "Please cancel order #{order}, I ordered the wrong size.",
            "I'd like to cancel my order, I found it cheaper elsewhere.",
            "Can I still cancel order #{order}? I only placed it an hour ago.",
            "How do I cancel my Plus membership? I don't want it to renew.",
            "I accidentally ordered the {product} twice. Can you cancel one of them?",
            "Please cancel the whole order, I no longer need it.",
            "I need to cancel before it ships, it's going to my old address.",
        ),
        "negative": (
            "Cancel my order please, it's taking far too long to ship.",
            "I tried to cancel online but the button is greyed out. Order #{order}.",
        ),
        "very_negative": ("CANCEL MY ORDER. I've asked twice already.",),
    },
    "address_change": {
        "neutral": (
            "I need to change the delivery address for order #{order}, I've moved.",
            "Can you update the shipping address on my order? I made a typo in the postcode.",
            "Is it too late to change the address? The order hasn't shipped yet.",
            "Please deliver to my work address instead, I won't be home next week.",
            "I entered the wrong apartment number for order #{order}. It should be 4B, not 48.",
            "How do I change the default address in my account?",
            "Can {courier} redirect the parcel to a pickup point near me?",
            "I'm travelling - could you hold the parcel or send it to my parents' address?",
        ),
        "negative": (
            "My order is going to my old address!! Please change it before it ships.",
            "The street name is misspelled on order #{order}. Will it still arrive?",
        ),
    },
    "warranty_claim": {
        "neutral": (
            "I'd like to make a warranty claim for the {product}. Order #{order}, photos attached.",
            "How do I make a warranty claim? I lost the receipt but I still have the order email.",
            "Is accidental damage covered by your warranty?",
            "Item {sku} has developed a crack along the seam after normal use. Is that covered?",
        ),
        "negative": (
            "My {product} stopped working after 8 months. Is it covered by the warranty?",
            "The {product} won't charge any more. It's only ten months old.",
            "The zip on my jacket broke after a few weeks. Surely that's covered?",
            "Bought the {product} last year and the hinge has snapped. Under warranty?",
            "The {product} has the same fault again after the warranty repair.",
        ),
        "very_negative": (
            "Your product died after 13 months. Electronics have a 2 year warranty, so I expect a replacement.",
        ),
    },
    "discount_request": {
        "neutral": (
            "Do you have any discounts for students?",
            "I forgot to apply my promo code to order #{order}. Can you add it now?",
            "Is there a discount if I buy 10 of the {product} for my team?",
            "Can I use two discount codes on one order?",
            "When is your next sale? I'm waiting to buy the {product}.",
            "My loyalty points didn't get applied. I had about 500 points.",
        ),
        "negative": (
            "My discount code WELCOME10 isn't working at checkout.",
            "The {product} went on sale the day after I bought it. Can I get the difference back?",
            "I'm a Plus member but I didn't get the member price on this order.",
            "Your newsletter promised 20% off but the code says expired.",
        ),
    },
    "technical_problem": {
        "negative": (
            "My {product} shows error {code} when I try to pair it.",
            "The app crashes every time I open it. Error {code}.",
            "Getting error {code} on the {product} after the latest firmware update.",
            "The {product} won't connect to my Wi-Fi. It keeps showing {code}.",
            "Battery drains completely overnight even when it's switched off.",
            "The screen flickers and then shows {code}. I've already restarted it twice.",
            "Can't update the firmware, it gets to 80% and fails with {code}.",
            "bluetooth keeps disconnecting every few minutes, tried resetting, nothing works",
            "The checkout page gives me an error when I try to pay. Tried three different cards.",
        ),
        "very_negative": (
            "The {product} gets really hot while charging and then shuts off with {code}. Is that dangerous??",
            "Error {code} AGAIN. I followed every step in your help article and it's still broken. Useless.",
        ),
    },
    "return_label": {
        "neutral": (
            "How do I print a return label for order #{order}?",
            "I don't have a printer. Can I get a QR code for the return instead?",
            "Can you send me a prepaid return label for the {product}?",
            "Which courier do I use for the return? The label doesn't say.",
            "Do I have to pay for the return label? The item was faulty.",
            "I lost the return label that came in the box. Could you email me a new one?",
        ),
        "negative": (
            "The return label link in my email doesn't work.",
            "I started a return online but never received the label.",
            "The return label you sent has the wrong address on it.",
            "Been waiting 4 days for a return label. How hard can it be?",
        ),
    },
    "privacy_request": {
        "neutral": (
            "Please delete my account and all the personal data you hold about me.",
            "I'd like a copy of all the data you have on me, as is my right under GDPR.",
            "How do I stop you using my data for marketing?",
            "Why do you need my date of birth? Please remove it from my profile.",
            "Can you tell me who you share my personal information with?",
            "Please correct the name on my account, it's misspelled everywhere.",
        ),
        "negative": (
            "Unsubscribe me from all emails. I've clicked the link three times and still get them.",
            "I received a marketing email addressed to someone else. Is my data safe with you?",
            "I never signed up for your newsletter. How did you get my email address?",
        ),
    },
}

SUBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "order_status": (
        "Where is my order?",
        "Order #{order} status",
        "Tracking not updating",
        "Shipping update?",
        "order status",
        "Has my order shipped?",
    ),
    "refund_request": (
        "Refund request",
        "Refund for order #{order}",
        "Still waiting for my refund",
        "Refund not received",
        "money back please",
    ),
    "late_delivery": (
        "Late delivery",
        "Order #{order} is late",
        "Parcel still not here",
        "Delivery delayed",
        "{days} days late",
    ),
    "damaged_item": (
        "Item arrived damaged",
        "Broken on arrival",
        "Damaged parcel - order #{order}",
        "Cracked {product}",
        "damaged",
    ),
    "wrong_item": (
        "Wrong item received",
        "Wrong size / colour",
        "Order #{order} - wrong item",
        "Missing item",
        "Not what I ordered",
    ),
    "account_access": (
        "Can't log in",
        "Account locked",
        "Password reset not working",
        "Login problem",
        "Account hacked?",
    ),
    "billing_error": (
        "Charged twice",
        "Billing error",
        "Incorrect charge on my card",
        "Double charge - #{order}",
        "Wrong amount charged",
    ),
    "product_question": (
        "Question about the {product}",
        "Product question",
        "Quick question",
        "Sizing question",
        "Is this back in stock?",
        "Question about {sku}",
    ),
    "complaint": ("Complaint", "Very disappointed", "Formal complaint", "Terrible service", "Not happy"),
    "praise": ("Thank you!", "Great service", "Just a thank you", "Love my {product}", "Compliment for your team"),
    "cancellation": (
        "Cancel order #{order}",
        "Cancellation request",
        "Please cancel my order",
        "Cancel membership",
        "cancel",
    ),
    "address_change": (
        "Change delivery address",
        "Wrong address on order #{order}",
        "Address update",
        "Update shipping address",
    ),
    "warranty_claim": ("Warranty claim", "Warranty - {product}", "Faulty after a few months", "Is this covered?"),
    "discount_request": (
        "Discount code not working",
        "Promo code",
        "Price drop after purchase",
        "Student discount?",
        "Loyalty points",
    ),
    "technical_problem": (
        "Error {code}",
        "{product} not working",
        "Technical issue",
        "Firmware update failed",
        "App keeps crashing",
        "Error {code} on {product}",
    ),
    "return_label": (
        "Return label",
        "Need a return label for #{order}",
        "Return label not working",
        "How do I return this?",
    ),
    "privacy_request": (
        "Data deletion request",
        "Request for my personal data",
        "Unsubscribe",
        "Privacy question",
        "GDPR request",
    ),
}

# Optional sentences a customer adds around the request, per intent.
ASIDES: Final[dict[str, tuple[str, ...]]] = {
    "order_status": ("I need it before the 20th.", "It was meant to be a gift.", "The app shows a different status."),
    "refund_request": ("I kept the proof of postage.", "I paid by credit card.", "The return was accepted online."),
    "late_delivery": ("I've been home all week waiting for it.", "The courier's website says nothing useful."),
    "damaged_item": ("I've kept all the packaging.", "I can send photos if needed.", "The outer box looked fine."),
    "wrong_item": ("I haven't opened the wrong item.", "The packing slip shows the right product, oddly."),
    "account_access": ("I've tried three different browsers.", "I checked my spam folder too."),
    "billing_error": ("I've attached a screenshot of my statement.", "I paid with PayPal."),
    "product_question": ("I'm thinking of buying two.", "It's for my dad.", "I couldn't find it in the FAQ."),
    "complaint": ("I've already spent an hour on this.", "I expect better from a company your size."),
    "praise": ("I'll be telling my friends about you.", "I'll leave a review too."),
    "cancellation": ("I haven't received a shipping email yet.", "I'll reorder later once I've decided."),
    "address_change": ("The new address is in my account profile.", "It hasn't shipped yet according to the app."),
    "warranty_claim": ("I've only used it as described in the manual.", "I still have the original box."),
    "discount_request": ("The code was in your welcome email.", "I've been a member since last year."),
    "technical_problem": (
        "I've already tried turning it off and on again.",
        "My phone is fully up to date.",
        "It worked fine for the first week.",
    ),
    "return_label": ("The item is already packed and ready to go.", "I'd prefer to drop it off at a post office."),
    "privacy_request": ("Please confirm by email once it's done.", "My account email is the one I'm writing from."),
}

# Sentences any upset or calm customer might add, whatever the intent.
GENERAL_ASIDES: Final[dict[Sentiment, tuple[str, ...]]] = {
    "positive": ("You've always been great.", "No rush at all."),
    "neutral": (
        "Thanks in advance for your help.",
        "My partner placed the order on my account.",
        "I've been a customer for years and never had an issue before.",
    ),
    "negative": (
        "This is the second time this has happened.",
        "I've already emailed about this once.",
        "I was on hold for 40 minutes earlier.",
    ),
    "very_negative": (
        "I've contacted you THREE times now.",
        "I'm going to leave a review about this.",
        "I will dispute the charge with my bank if this isn't fixed.",
    ),
}

OPENINGS: Final[dict[Sentiment, tuple[str, ...]]] = {
    "positive": ("Hi,", "Hello!", "Hi there,", "Hi team,", "Good morning,", "Hey,", "Dear Customer Care,"),
    "neutral": (
        "Hi,",
        "Hello,",
        "Hi there,",
        "Hi team,",
        "Hello support,",
        "Good afternoon,",
        "Dear Customer Service,",
        "Hey,",
    ),
    "negative": ("Hi,", "Hello,", "To whom it may concern,", "Hello again,", "Hi team,"),
    "very_negative": ("To whom it may concern,", "Hello?", "Hi,", "Hello,"),
}

# "{name}" is the customer's first name.
CLOSINGS: Final[dict[Sentiment, tuple[str, ...]]] = {
    "positive": (
        "Thanks again!",
        "Keep up the good work,\n{name}",
        "Cheers!",
        "All the best,\n{name}",
        "Thank you,\n{name}",
    ),
    "neutral": (
        "Thanks,\n{name}",
        "Thank you!",
        "Many thanks,\n{name}",
        "Cheers",
        "Best,\n{name}",
        "Thanks in advance.",
        "Kind regards,\n{name}",
        "- {name}",
        "thx",
    ),
    "negative": (
        "Please let me know asap.",
        "Thanks,\n{name}",
        "Waiting for your reply.",
        "Regards,\n{name}",
        "Please sort this out.\n{name}",
    ),
    "very_negative": (
        "Sort it out.",
        "I expect a reply today.",
        "Very disappointed,\n{name}",
        "Fix this now.",
        "Not impressed.\n{name}",
    ),
}

EMOJI: Final[dict[Sentiment, tuple[str, ...]]] = {
    "positive": ("😊", "👍", "🙏", "❤️", "🎉", "✨"),
    "neutral": ("🙏", "🙂", "📦"),
    "negative": ("😕", "😞", "🙁", "😩"),
    "very_negative": ("😡", "😤", "🤬", "👎"),
}
