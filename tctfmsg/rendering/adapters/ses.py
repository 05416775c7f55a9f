"""SES-hosted templates over the SES (v1) API: the HostedTemplates port."""

from __future__ import annotations

from typing import Any

from tctfmsg.rendering.ses import SesTemplate


class SesHostedTemplates:
    def __init__(self, client: Any) -> None:
        self.client = client

    def publish(self, template: SesTemplate) -> str:
        """Creates or updates the SES template; returns "created" or "updated"."""
        body = {
            "TemplateName": template.name,
            "SubjectPart": template.subject,
            "HtmlPart": template.html,
            "TextPart": template.text,
        }
        try:
            self.client.get_template(TemplateName=template.name)
        except self.client.exceptions.TemplateDoesNotExistException:
            self.client.create_template(Template=body)
            return "created"
        self.client.update_template(Template=body)
        return "updated"

    def names(self) -> set[str]:
        names: set[str] = set()
        kwargs: dict[str, Any] = {"MaxItems": 100}
        while True:
            page = self.client.list_templates(**kwargs)
            names.update(t["Name"] for t in page.get("TemplatesMetadata", []))
            if not page.get("NextToken"):
                return names
            kwargs["NextToken"] = page["NextToken"]
