"""The one text-cleaning step: control characters, noncharacters and lone surrogates removed,
line ends made ``\\n``; the forms clean what they receive and hold texts without a limit of
their own to ``TEXT_MAX_LENGTH``."""

from django import forms
from django.http import QueryDict

from kuangan.core.forms import StyledForm
from kuangan.core.text import clean_form_data, clean_text, clean_value


def test_clean_text_removes_what_no_document_holds():
    dirty = "a\u0007b\x01c\x0cd\x1fe\x7ff\x85g\ufffeh\uffffi\ufdd0j\ud800k\U0001fffe"
    assert clean_text(dirty) == "abcdefghijk"


def test_clean_text_keeps_tabs_line_ends_and_chinese():
    assert clean_text("甲\t乙\n丙\r\n丁\r戊 — “引号” 😀") == "甲\t乙\n丙\n丁\n戊 — “引号” 😀"
    plain = "plain ascii"
    assert clean_text(plain) is plain


def test_clean_value_and_form_data_reach_every_text():
    assert clean_value({"a\x07": ["x\x01", {"y": "z\x0c"}], "n": 1}) == {
        "a": ["x", {"y": "z"}],
        "n": 1,
    }
    data = QueryDict(mutable=True)
    data.setlist("note", ["一\x07", "二\x1f"])
    cleaned = clean_form_data(data)
    assert cleaned.getlist("note") == ["一", "二"] and not cleaned._mutable


class NoteForm(StyledForm, forms.Form):
    note = forms.CharField(widget=forms.Textarea)
    title = forms.CharField(max_length=20)


def test_forms_clean_texts_and_limit_their_length(settings):
    form = NoteForm({"note": "记录\x07\r\n内容", "title": "标题\x01"})
    assert form.is_valid()
    assert form.cleaned_data == {"note": "记录\n内容", "title": "标题"}
    settings.TEXT_MAX_LENGTH = 10
    form = NoteForm({"note": "长" * 11, "title": "短"})
    assert not form.is_valid() and form.errors["note"]
    assert form.fields["note"].widget.attrs["maxlength"] == "10"
    assert form.fields["title"].max_length == 20  # a limit of its own stays
