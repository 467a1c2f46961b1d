"""Mapping presets: the built-in ones (rapport.ingest.mapping.PRESETS) and those people save, by name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Conflict, Invalid, NotFound
from rapport.ingest import mapping as column_mapping
from rapport.ingest.fields import ENTITIES
from rapport.ingest.models import MappingPreset
from rapport.ingest.rows import Options
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require


def clean_source(source: str) -> str:
    """A source system's name as ids are kept under it: `HubSpot Portal` → `hubspot-portal`."""
    value = re.sub(r"[^a-z0-9_.-]+", "-", source.strip().lower()).strip("-")
    if not value or len(value) > 40:
        raise Invalid("the source must be a short system name such as hubspot, salesforce or shop")
    return value


def preset_mapping(session: Session, name: str, entity: str) -> dict[str, str]:
    saved = session.scalar(select(MappingPreset).where(MappingPreset.name == name))
    if saved is not None:
        if saved.entity != entity:
            raise Invalid(f"preset '{name}' is for {saved.entity}, not {entity}")
        return dict(saved.mapping)
    builtin = column_mapping.PRESETS.get(name)
    if builtin is None:
        known = sorted([*column_mapping.PRESETS, *session.scalars(select(MappingPreset.name))])
        raise NotFound(f"no mapping preset '{name}'; known: {', '.join(known)}")
    if builtin.entity != entity:
        raise Invalid(f"preset '{name}' is for {builtin.entity}, not {entity}")
    return dict(builtin.mapping)


def list_presets(session: Session, principal: Principal, entity: str | None = None) -> list[dict[str, Any]]:
    require(principal, "imports", Action.read)
    out = [
        {
            "name": p.name,
            "entity": p.entity,
            "source": p.source,
            "mapping": p.mapping,
            "is_builtin": True,
            "description": p.description,
        }
        for p in column_mapping.PRESETS.values()
        if entity is None or p.entity == entity
    ]
    stmt = select(MappingPreset).order_by(MappingPreset.name)
    if entity:
        stmt = stmt.where(MappingPreset.entity == entity)
    out += [
        {
            "name": p.name,
            "entity": p.entity,
            "source": p.source,
            "mapping": p.mapping,
            "is_builtin": False,
            "description": "",
            "id": p.id,
            "options": p.options,
        }
        for p in session.scalars(stmt)
    ]
    return out


def save_preset(
    session: Session,
    principal: Principal,
    *,
    name: str,
    entity: str,
    mapping: Mapping[str, str | None],
    source: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> MappingPreset:
    """Save (or replace) a named mapping; built-in names are reserved."""
    require(principal, "imports", Action.create)
    if entity not in ENTITIES:
        raise Invalid(f"unknown entity '{entity}'")
    if name in column_mapping.PRESETS:
        raise Conflict(f"'{name}' is a built-in preset; choose another name")
    clean = column_mapping.check(mapping, entity, [])
    preset = session.scalar(select(MappingPreset).where(MappingPreset.name == name))
    if preset is None:
        preset = MappingPreset(name=name, entity=entity, created_by_id=principal.user_id)
        session.add(preset)
    preset.entity, preset.source, preset.mapping = entity, source and clean_source(source), clean
    preset.options = Options.of(options).as_dict() if options else {}
    session.flush()
    audit.record(session, principal, action="update", entity="imports", entity_id=None, detail={"preset": name})
    return preset


def delete_preset(session: Session, principal: Principal, name: str) -> None:
    require(principal, "imports", Action.delete)
    preset = session.scalar(select(MappingPreset).where(MappingPreset.name == name))
    if preset is None:
        raise NotFound(f"no saved preset '{name}'")
    session.delete(preset)
    session.flush()
