"""bulletin.yaml's brand: and greeting: (housestyle.py, through load_project): read, and every mistake with file:line."""

from __future__ import annotations

import textwrap

import pytest

from bulletin.config import load_project
from bulletin.errors import ConfigError

HEAD = "organisation: {name: X, address: A}\nsender: {email: a@example.org}\n"


def project_problems(write, text: str) -> list[str]:
    write("bulletin.yaml", HEAD + text)
    with pytest.raises(ConfigError) as info:
        load_project()
    return [str(p) for p in info.value.problems]


def test_brand_is_read(write):
    write("bulletin.yaml", HEAD + textwrap.dedent("""\
        brand:
          logo: {src: "https://example.org/logo.png", alt: ESNF logo, width: 180}
          colour: "#7A1F3D"
          accent: "#0b6e4f"
          font: '"Open Sans", Arial'
        """))
    brand = load_project().brand
    assert (brand.logo.src, brand.logo.alt, brand.logo.width) == ("https://example.org/logo.png", "ESNF logo", 180)
    assert (brand.colour, brand.accent) == ("#7a1f3d", "#0b6e4f")
    assert brand.font == "Open Sans, Arial, Helvetica, Arial, sans-serif"  # unquoted, with a fallback the reader has
    write("bulletin.yaml", HEAD + 'brand: {logo: {src: "https://example.org/l.png"}, colour: "#036", font: "Georgia, serif"}\n')
    brand = load_project().brand
    assert (brand.logo.alt, brand.logo.width, brand.colour, brand.accent, brand.font) == ("X", 160, "#003366", None, "Georgia, serif")


def test_a_low_contrast_brand_is_an_error_naming_the_key_and_line(write):
    assert project_problems(write, 'brand:\n  colour: "#f5a623"\n  accent: "#4f9dff"\n') == [
        "bulletin.yaml:4: brand.colour: white header text on #f5a623 has contrast 2.03:1, below WCAG AA 4.5:1;"
        " use a darker colour, e.g. #9f6c17",
        "bulletin.yaml:5: brand.accent: links in #4f9dff on the white page and the light grey featured box, and white button"
        " text on it, have contrast down to 2.46:1, below WCAG AA 4.5:1; use a darker colour, e.g. #376eb2",
    ]


def test_brand_mistakes_are_each_reported_with_their_line(write):
    assert project_problems(write, textwrap.dedent("""\
        brand:
          colour: #1e3a5f
          accent: blue
          font: "Arial; color: red"
          logo:
            src: logo.png
            width: 1000
          colour_dark: "#000"
        """)) == [
        'bulletin.yaml:4: brand.colour: empty; a colour must be in quotes, because # starts a comment in YAML: colour: "#1e3a5f"',
        "bulletin.yaml:5: brand.accent: expected a colour like \"#1e3a5f\" (#rgb or #rrggbb, in quotes), got 'blue'",
        "bulletin.yaml:6: brand.font: expected font names separated by commas, like Georgia, serif; got 'Arial; color: red'",
        "bulletin.yaml:8: brand.logo.src: expected the picture's web address (https://…): emails cannot show a file from your"
        " computer, got 'logo.png'",
        "bulletin.yaml:9: brand.logo.width: expected the width in pixels shown, a whole number from 16 to 552, got int 1000",
        "bulletin.yaml:10: brand.colour_dark: unknown key (did you mean 'colour'?)",
    ]


def test_greeting_is_read_and_defaults_to_the_first_name(write):
    write("bulletin.yaml", HEAD)
    assert load_project().greeting == "Dear {first_name},"
    write("bulletin.yaml", HEAD + 'greeting: "Hello {name}, {{at}} {title}!"\nmerge_fallbacks: {Title: member}\n')
    assert load_project().greeting == "Hello {name}, {{at}} {title}!"
    write("bulletin.yaml", HEAD + "greeting:\n")
    assert load_project().greeting == ""  # no greeting line


@pytest.mark.parametrize(("greeting", "message"), [
    ("Dear {frist_name},", "unknown field {frist_name}: did you mean {first_name}? the greeting can use {first_name}, {name};"
                           " for another column of the subscribers file, give it a text for people without one in merge_fallbacks"),
    ("Dear {title},", "unknown field {title}: the greeting can use {first_name}, {name}; for another column of the subscribers"
                      " file, give it a text for people without one in merge_fallbacks"),
    ("Dear {first_name,", "a { or } without its pair in 'Dear {first_name,'; write a field as {first_name}, a brace itself as {{ or }}"),
    ("Dear {name!r:>9},", "'{name!r:>9}' is not a field; write a subscriber column as {first_name}"),
    ("Dear {},", "'{}' is not a field; write a subscriber column as {first_name}"),
])
def test_greeting_mistakes_are_config_errors(write, greeting, message):
    assert project_problems(write, f"greeting: {greeting!r}\n") == [f"bulletin.yaml:3: greeting: {message}"]


def test_the_commented_examples_of_init_and_the_example_project_are_valid_once_uncommented(write, tmp_project):
    from bulletin.init import Answers, project_text

    answers = Answers(name="ESNF", address="Rue 1, Brussels", email="a@example.org", sender_name="ESNF", timezone="UTC")
    for settings in (project_text(answers, None), (tmp_project / "bulletin.yaml").read_text(encoding="utf-8")):
        lines = [line[2:] if line.startswith(("# brand:", "# greeting:")) else line for line in settings.splitlines()]
        assert sum(line.startswith(("brand:", "greeting:")) for line in lines) == 2
        write("bulletin.yaml", "\n".join(lines) + "\n")
        project = load_project()
        assert (project.brand.colour, project.brand.accent, project.greeting) == ("#1e3a5f", "#1d4ed8", "Dear {first_name},")
        assert project.brand.logo is not None
