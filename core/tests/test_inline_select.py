"""Selects styled by `style_form` render their options inline (core/templates/core/widgets/select.html)
instead of through an include per option (bench B6): the HTML must stay Django's, byte for byte."""

import pytest
from django import forms

from supervision.forms import style_form


class _Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---"), ("a", "<b>A & B</b>"), ("b", "乙")])
    grouped = forms.ChoiceField(
        choices=[("一组", [("1", "一"), ("2", "二")]), ("二组", [("3", "三")]), ("4", "四")], required=False
    )
    typed = forms.TypedChoiceField(choices=[(1, "01"), (2, "02")], coerce=int)
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")], required=False)
    maybe = forms.NullBooleanField(required=False)


@pytest.mark.parametrize(
    "data",
    [None, {"plain": "a", "grouped": "3", "typed": "2", "many": ["x", "z"], "maybe": "true"}],
    ids=["unbound", "chosen"],
)
def test_the_inline_select_renders_what_django_renders(data):
    django_form, styled_form = _Choices(data), _Choices(data)
    style_form(styled_form)
    # the classes style_form adds are the only difference allowed: give Django's form the same ones
    for name, field in styled_form.fields.items():
        django_form.fields[name].widget.attrs["class"] = field.widget.attrs.get("class", "")
    for form in (django_form, styled_form):
        form.fields["plain"].widget.attrs["data-x"] = 'quote " here'
        form.fields["grouped"].widget.attrs["disabled"] = True

    for name in django_form.fields:
        inline = styled_form.fields[name].widget.template_name
        assert inline == "core/widgets/select.html"
        assert str(styled_form[name]) == str(django_form[name])
    assert ("selected>&lt;b&gt;A &amp; B&lt;/b&gt;</option>" in str(styled_form["plain"])) == (data is not None)
