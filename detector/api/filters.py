"""?status= and ?verdict= on the analyses list. An unknown value is a 400, not a silently empty page.

An empty value is unknown too: the schema's enums leave it out, so the API must not read it as "no filter".
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from detector.models import Analysis

FILTERS = {"status": Analysis.Status, "verdict": Analysis.Verdict}

PARAMETERS = [
    OpenApiParameter(name, str, enum=list(choices.values), description=f"Only analyses with this {name}.")
    for name, choices in FILTERS.items()
]


def filter_analyses(queryset, params):
    for name, choices in FILTERS.items():
        value = params.get(name)
        if value is None:
            continue
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise ValidationError({name: [f"Unknown {name} {value!r}; use one of: {allowed}."]})
        queryset = queryset.filter(**{name: value})
    return queryset
