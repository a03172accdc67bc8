"""Page numbers as the schema publishes them: whole numbers from 1.

DRF's own class reads `?page=` loosely (empty means 1, "last" means the last page) and answers 404 to
anything it cannot use. A malformed number is the client's mistake in the request, so it is a 400 with
the field named, like any other bad parameter; a well-formed page past the end stays a 404.
"""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    invalid_page_message = "No such page: page {page_number} is past the last one."

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({self.page_query_param: [f"A page is a whole number from 1, got {raw!r}."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
