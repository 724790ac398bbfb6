"""The gettext catalogs (``<lang>/LC_MESSAGES/messages.po``), shipped as package data."""
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
