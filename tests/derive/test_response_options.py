import ibis
import numpy as np
import pytest

from oncorwe.derive.best_response import best_response
from oncorwe.derive.response_options import ResponseOptions
from oncorwe.errors import InputError


def test_defaults_are_admiraloncos():
    # admiralonco derive_param_confirmed_bor: ref_confirm = 28, max_nr_ne = 1, accept_sd = FALSE;
    # adrs_basic vignette: ref_start_window = 42, ANL01FL ADT >= RANDDT (origin day included)
    options = ResponseOptions()
    assert (options.ref_confirm, options.ref_start_window, options.max_nr_ne) == (28, 42, 1)
    assert (options.confirm, options.accept_sd, options.missing_as_ne) == (False, False, False)
    assert options.on_origin == "include"
    assert options.max_nr_sd == 0
    assert ResponseOptions(accept_sd=True).max_nr_sd == 1


def test_counts_and_flags_are_normalised_so_equal_options_are_one_key():
    options = ResponseOptions(confirm=1, ref_confirm=np.int64(28))
    assert options == ResponseOptions(confirm=True)
    assert hash(options) == hash(ResponseOptions(confirm=True))
    assert type(options.ref_confirm) is int and options.confirm is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"on_origin": "maybe"}, "on_origin must be one of ('include', 'exclude'), got 'maybe'"),
        ({"ref_confirm": -1}, "ref_confirm must be a non-negative integer"),
        ({"ref_start_window": 4.5}, "ref_start_window must be a non-negative integer"),
        ({"max_nr_ne": True}, "max_nr_ne must be a non-negative integer"),
    ],
)
def test_a_bad_option_is_an_input_error_naming_it(options, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ResponseOptions(**options)


def test_the_table_expression_takes_the_same_options():
    assessments = ibis.table(
        {"patient_id": "string", "assessment_date": "date", "overall_response": "string"}, "a"
    )
    origin = ibis.table({"patient_id": "string", "index_date": "date"}, "o")
    with pytest.raises(InputError, match="on_origin"):
        best_response(assessments, origin, on_origin="maybe")
    with pytest.raises(TypeError, match="ref_confrim"):
        best_response(assessments, origin, ref_confrim=28)
