"""The provider registry: adding a provider adds one line here."""

from __future__ import annotations

import importlib

from sandbox.providers.base import Provider

REGISTRY: dict[str, str] = {
    "zwitch": "sandbox.providers.zwitch",
    "ztake": "sandbox.providers.ztake",
    "zazpay": "sandbox.providers.zazpay",
    "zaakpay": "sandbox.providers.zaakpay",
    "zoho": "sandbox.providers.zoho",
}


def load_providers(names: list[str] | None = None) -> dict[str, Provider]:
    """Imports the registered providers (or only `names`), keyed by URL prefix."""
    unknown = [n for n in names or () if n not in REGISTRY]
    if unknown:
        raise ValueError(
            f"unknown provider {', '.join(map(repr, unknown))}; known: {', '.join(REGISTRY)}"
        )
    selected = REGISTRY if names is None else {n: REGISTRY[n] for n in names}
    providers = {}
    for name, module in selected.items():
        provider = importlib.import_module(module).PROVIDER
        if provider.name != name:
            raise ValueError(
                f"{module} declares provider {provider.name!r}, registered as {name!r}"
            )
        providers[name] = provider
    return providers
