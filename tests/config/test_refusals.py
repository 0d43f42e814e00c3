"""One answer for "why was this refused" (config/refusals.py) and "which parameter is not
taken" (config/parameters.py), used by the admin, the review pages, the import and the API."""

from django.core.exceptions import ValidationError
from django.http import QueryDict

from agenda.scope import OutOfScope
from config.concurrency import StaleVersionError
from config.parameters import MAX_NAMED, unknown_parameters, unknown_parameters_message
from config.refusals import WHOLE_RECORD, refusal_errors, refusal_text, stale_text
from tests.factories import ActionFactory


def test_each_kind_of_refusal_lands_at_its_field_or_the_whole_record(db):
    """Field errors stay at their fields, `__all__` and plain messages at the whole record,
    a scope refusal at the field it names, a stale version with who saved first."""
    assert refusal_errors(ValidationError({"title": ["Te lang."], "__all__": ["Botst."]})) == {
        "title": ["Te lang."],
        WHOLE_RECORD: ["Botst."],
    }
    assert refusal_errors(ValidationError("Nee.")) == {WHOLE_RECORD: ["Nee."]}
    assert refusal_errors(OutOfScope("Niet uw partij.", field="owner")) == {
        "owner": ["Niet uw partij."]
    }
    assert refusal_errors(OutOfScope("Buiten uw gebied.")) == {WHOLE_RECORD: ["Buiten uw gebied."]}
    action = ActionFactory()
    stale = refusal_errors(StaleVersionError(action))
    assert stale == {WHOLE_RECORD: [stale_text(action)]}
    assert refusal_text(ValidationError({"a": ["Een."], "b": ["Twee."]})) == "Een. Twee."


def test_unknown_parameters_are_named_sorted_and_bounded():
    """Only names outside `allowed`, sorted; a flood of names is cut to MAX_NAMED, and the
    message cuts each echoed name short."""
    params = QueryDict("status=x&zz=1&aa=2&status=y")
    assert unknown_parameters(params, {"status"}) == ["aa", "zz"]
    flood = QueryDict("&".join(f"p{i:03d}=1" for i in range(100)))
    assert len(unknown_parameters(flood, set())) == MAX_NAMED
    message = unknown_parameters_message(["x" * 100])
    assert "x" * 40 in message
    assert "x" * 41 not in message
