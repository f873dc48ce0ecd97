"""The electronic waybill providers, by the name ``carriers api --provider`` takes. A second
provider (快递100, a platform's own e-waybill) is one more module with a ``source(api)``
function returning a :class:`~core.waybills.WaybillSource`, and one more line here."""

from __future__ import annotations

from collections.abc import Callable

from core.i18n import _
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
