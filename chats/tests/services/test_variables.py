from types import SimpleNamespace

import pytest

from chats.services.variables import Context, VariablesMissing, names_in, render, unknown_names


def _contact(**kw):
    base = {"display_name": "Siti Aminah", "phone": "+628111", "custom_fields": {"order": "A-17"}}
    return SimpleNamespace(**{**base, **kw})


def test_render_fills_every_known_name():
    agent = SimpleNamespace(get_full_name=lambda: "Budi", email="budi@x.test")
    text = "Hi {{contact.first_name}} ({{ contact.name }}), {{agent.name}} of {{workspace.name}}: {{contact.custom.order}} {{1}}"
    out = render(text, Context(contact=_contact(), agent=agent, workspace=SimpleNamespace(name="Toko"),
                               values={"1": "ok"}))
    assert out == "Hi Siti (Siti Aminah), Budi of Toko: A-17 ok"


def test_missing_values_are_named_together_or_filled_by_fallbacks():
    with pytest.raises(VariablesMissing) as caught:
        render("{{1}} {{contact.custom.city}} {{1}}", Context(contact=_contact()))
    assert caught.value.names == ["1", "contact.custom.city"]
    assert caught.value.code == "variables_missing"
    assert render("{{contact.custom.city}}", Context(contact=_contact()), fallbacks={"contact.custom.city": "-"}) == "-"


def test_agent_without_a_name_is_their_email_and_names_are_listed():
    agent = SimpleNamespace(get_full_name=lambda: "", first_name="", email="a@x.test")
    assert render("{{agent.name}}", Context(agent=agent)) == "a@x.test"
    assert names_in("{{a}} {{b}} {{a}}") == ["a", "b"]
    assert unknown_names("{{contact.nmae}} {{1}} {{contact.custom.x}}") == ["contact.nmae"]
