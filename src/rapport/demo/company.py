"""Facts about the demo shop that the generated texts and the knowledge base must agree on."""

from typing import Final

SHOP_NAME: Final = "Harbor & Pine"
SHOP_NAME_ZH: Final = "港松优品"
SUPPORT_EMAIL: Final = "support@harborandpine.example"
SUPPORT_PHONE: Final = "+1 800 555 0142"
SUPPORT_PHONE_ZH: Final = "400-820-0142"
RETURN_WINDOW_DAYS: Final = 30
REFUND_BUSINESS_DAYS: Final = "5-7"
WARRANTY_YEARS: Final = 1
WARRANTY_YEARS_ELECTRONICS: Final = 2

# Device error codes used in technical_problem tickets; knowledge/*/device-error-codes.md explains each.
ERROR_CODES: Final[tuple[str, ...]] = ("E-108", "E-231", "E-402", "E-517", "E-630")

# The carriers named in knowledge/*/shipping-and-delivery.md.
COURIERS_EN: Final[tuple[str, ...]] = ("UPS", "FedEx", "USPS", "DHL")
COURIERS_ZH: Final[tuple[str, ...]] = ("顺丰", "京东物流", "EMS")
