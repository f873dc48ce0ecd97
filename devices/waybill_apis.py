"""The electronic waybill providers, by the name ``carriers api --provider`` takes. A second
provider (快递100, a platform's own e-waybill) is one more module with a ``source(api)``
function returning a :class:`~core.waybills.WaybillSource`, and one more line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from core.i18n import _
from core.tracking import TrackEvent
from core.waybills import CarrierApi, WaybillSource, WaybillUnavailable
from devices import kdniao

PROVIDERS: dict[str, Callable[[CarrierApi], WaybillSource]] = {kdniao.PROVIDER: kdniao.source}


def source_for(api: CarrierApi) -> WaybillSource:
    """The source speaking to a carrier's configured API."""
    make = PROVIDERS.get(api.provider)
    if make is None:
        raise WaybillUnavailable(
            _("unknown waybill provider {provider!r}; known: {known}").format(
                provider=api.provider, known=", ".join(sorted(PROVIDERS))
            ),
            retryable=False,
        )
    return make(api)


class Tracker(Protocol):
    """A provider's tracking client: a waybill's events, oldest first (WaybillUnavailable
    when the provider cannot answer)."""

    def track(self, number: str, source: str = ...) -> list[TrackEvent]: ...

    def subscribe(self, number: str) -> None: ...


TRACKERS: dict[str, Callable[[CarrierApi], Tracker]] = {kdniao.PROVIDER: kdniao.tracker}


def tracker_for(api: CarrierApi) -> Tracker:
    """The tracking client of a carrier's configured API."""
    make = TRACKERS.get(api.provider)
    if make is None:
        raise WaybillUnavailable(
            _("provider {provider!r} does not answer tracking queries").format(
                provider=api.provider
            ),
            retryable=False,
        )
    return make(api)
