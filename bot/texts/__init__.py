"""Every patient-facing text in one catalogue, per language, with versions, and the ethics review sheet.

The texts themselves stay where they live (domain.yml responses, the criteria's language files, the chat
page's text files); this room reads them, versions them (`text_versions`) and writes the review sheet.
"""

from bot.texts.catalogue import PatientText, catalogue, text_versions
from bot.texts.responses import consent_version, other_studies_consent_version

__all__ = ["PatientText", "catalogue", "consent_version", "other_studies_consent_version", "text_versions"]
