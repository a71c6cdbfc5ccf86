"""Config loading: every problem reported at once, each with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import config
from digest.errors import ConfigError

# The models behind each table of the README's config reference.
REFERENCE_MODELS = (
    config.BriefingConfig,
    config.FileSource,
    config.FeedSource,
    config.PageSource,
    config.OpmlSource,
    config.SectionConfig,
    config.ClassifyConfig,
    config.SelectConfig,
    config.FiguresConfig,
    config.PeopleConfig,
    config.WatchConfig,
    config.BoilerplateConfig,
    config.FetchConfig,
    config.OutputConfig,
    config.PdfConfig,
    config.AccessConfig,
    config.StateConfig,
    config.BuildConfig,
    config.EmailConfig,
    config.SmtpConfig,
)

GOOD = """\
briefing:
  title: Test briefing
sources:
  - kind: file
    path: a.txt
sections:
  - id: one
    title: One
    keywords: [alpha]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a.txt").write_text("Alpha is here.\n", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config.load(write(tmp_path, text))
    return [str(p) for p in info.value.problems]


def test_sample_config_is_valid(sample_config: Path) -> None:
    loaded = config.load(sample_config)
    ids = [s.id for s in loaded.config.sections]
    assert ids == ["call_details", "tariffs", "rare_earths", "market_reaction", "risks"]
    titles = [s.title for s in loaded.config.sections]
    assert titles == ["Call details", "Tariffs", "Rare earths", "Market reaction", "Risks"]


def test_minimal_config_gets_defaults(tmp_path: Path) -> None:
    loaded = config.load(write(tmp_path, GOOD))
    assert loaded.config.output.formats == ["md", "html", "pdf", "json"]
    assert loaded.config.sections[0].terms == {"alpha": 1.0}
    assert loaded.config.briefing.timezone == "UTC"


def test_unknown_key_names_file_line_field_and_suggests(tmp_path: Path) -> None:
    text = GOOD.replace("  title: Test briefing", "  title: Test briefing\n  timezon: UTC")
    [problem] = problems(tmp_path, text)
    assert problem.endswith(
        "config.yaml:3: briefing.timezon: unknown key 'timezon'; did you mean 'timezone'?"
    )


def test_unknown_key_in_a_source_uses_the_source_kind_fields(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD.replace("    path: a.txt", "    path: a.txt\n    nmae: x"))
    assert ":6: sources[0].nmae: unknown key 'nmae'; did you mean 'name'?" in problem


def test_unknown_key_without_close_match_lists_known_keys(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD + "output:\n  zzz: 1\n")
    assert (
        "output.zzz: unknown key 'zzz' (known keys: archive, base_url, directory, feed, feed_entries, file_name, formats, index, latest, pdf, templates)"
        in problem
    )


def test_missing_file(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD.replace("path: a.txt", "path: nope.txt"))
    assert ":5: sources[0].path: file not found: nope.txt" in problem


def test_wrong_type(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD + "    max_items: lots\n")
    assert ":10: sections[0].max_items: " in problem and "integer" in problem


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = (
        GOOD.replace("path: a.txt", "path: nope.txt")
        + "    max_items: 0\noutput:\n  formats: [md, docx]\n"
    )
    found = problems(tmp_path, text)
    assert len(found) == 3
    assert [p.split(":")[1] for p in found] == ["5", "10", "12"]
    assert "output.formats[1]" in found[2]


def test_missing_required_and_unknown_kind(tmp_path: Path) -> None:
    text = "briefing: {}\nsources:\n  - kind: ftp\n    url: x\nsections: []\n"
    found = problems(tmp_path, text)
    assert any("briefing.title: required field is missing" in p for p in found)
    assert any("sources[0]: unknown source kind 'ftp'" in p for p in found)
    assert any("sections: " in p for p in found)


def test_missing_kind(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("  - kind: file\n    path: a.txt", "  - path: a.txt"))
    assert any("sources[0]: 'kind' is missing" in p for p in found)


def test_env_substitution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_TEST_TITLE", "From the environment")
    text = GOOD.replace("title: Test briefing", "title: ${DIGEST_TEST_TITLE}")
    text = text.replace("title: One", "title: ${DIGEST_UNSET_FOR_TEST:-Fallback} costs $$5")
    loaded = config.load(write(tmp_path, text))
    assert loaded.config.briefing.title == "From the environment"
    assert loaded.config.sections[0].title == "Fallback costs $5"


def test_missing_env_var_is_an_error_with_its_line(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD.replace("title: One", "title: ${DIGEST_UNSET_FOR_TEST}"))
    assert ":8: sections[0].title: environment variable DIGEST_UNSET_FOR_TEST is not set" in problem


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("  title: Test briefing", "  title: A\n  title: B"))
    assert any(":3: briefing.title: duplicate key" in p for p in found)


def test_duplicate_section_id(tmp_path: Path) -> None:
    """Issue 13 (15): every place of a duplicate is reported, each naming the others."""
    text = GOOD + "  - id: one\n    title: Again\n"
    first, second = problems(tmp_path, text)
    assert ":7: sections[0].id: duplicate section id 'one' (also at sections[1].id)" in first
    assert ":10: sections[1].id: duplicate section id 'one' (also at sections[0].id)" in second


def test_an_unset_variable_is_one_error_not_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 (16): the schema used to add "'${VAR}' is not an http(s):// URL"."""
    monkeypatch.delenv("DIGEST_TEST_UNSET", raising=False)
    text = GOOD.replace(
        "  - kind: file\n    path: a.txt\n", "  - kind: feed\n    url: ${DIGEST_TEST_UNSET}\n"
    )
    [problem] = problems(tmp_path, text)
    assert "sources[0].url: environment variable DIGEST_TEST_UNSET is not set" in problem


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD + "  - id: two\n    title: a: b\n")
    assert ":11: not valid YAML" in problem


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    [problem] = problems(tmp_path, "\n".join(lines) + "\n")
    assert "alias bomb" in problem


def test_python_tags_are_not_constructed(tmp_path: Path) -> None:
    text = GOOD.replace("title: Test briefing", "title: !!python/object/apply:os.system [echo hi]")
    found = problems(tmp_path, text)
    assert any(
        ":2: briefing.title: YAML tag !!python/object/apply:os.system is not allowed" in p
        for p in found
    )


def test_reserved_and_malformed_ids(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("id: one", "id: other"))
    assert any("'other' is reserved" in p for p in found)
    found = problems(tmp_path, GOOD.replace("id: one", "id: One Two"))
    assert any("sections[0].id: must be lower case" in p for p in found)


def test_file_name_must_be_a_plain_name(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD + "output:\n  file_name: ../x-{date}\n")
    assert any("output.file_name: must be a plain file name" in p for p in found)
    found = problems(tmp_path, GOOD + "output:\n  file_name: x-{when}\n")
    assert any("output.file_name: only {date}" in p for p in found)


def test_note_and_note_file_are_exclusive(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("hi", encoding="utf-8")
    text = GOOD.replace("  title: Test briefing", "  title: T\n  note: a\n  note_file: note.md")
    found = problems(tmp_path, text)
    assert any("either note or note_file" in p for p in found)


def test_bad_regex_and_timezone(tmp_path: Path) -> None:
    text = GOOD.replace("  title: Test briefing", "  title: T\n  timezone: Mars/Olympus")
    text += "boilerplate:\n  patterns: ['(unclosed']\n"
    found = problems(tmp_path, text)
    assert any("briefing.timezone: unknown time zone" in p for p in found)
    assert any("boilerplate.patterns: bad regular expression" in p for p in found)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="the file is empty"):
        config.load(write(tmp_path, ""))
    with pytest.raises(ConfigError, match="must be a mapping"):
        config.load(write(tmp_path, "- a\n- b\n"))


def test_every_field_has_a_docstring() -> None:
    """The README's config reference is built from these; none may be missing."""
    for model in (config.Config, *REFERENCE_MODELS):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no docstring"


def test_merge_keys_share_settings(tmp_path: Path) -> None:
    text = GOOD.replace(
        "sections:\n", "defaults: &d\n  max_items: 3\n  keywords: [alpha]\nsections:\n"
    )
    # "defaults" is not a config key: it is reported, but the merge itself works.
    text = text.replace("    keywords: [alpha]\n", "    <<: *d\n    description: merged\n")
    found = problems(tmp_path, text)
    assert [p.split(": ", 1)[1] for p in found] == [
        "defaults: unknown key 'defaults' (known keys: "
        "access, boilerplate, briefing, build, classify, email, fetch, figures, output, people, sections, select, sources, state)"
    ]


def test_readme_documents_every_config_key(project_root: Path) -> None:
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Config reference", 1)[1]
    for model in REFERENCE_MODELS:
        for name in model.model_fields:
            assert f"| `{name}` |" in reference, f"README lacks {model.__name__}.{name}"


# --------------------------------------------------------------------------- web sources


FEED = GOOD.replace(
    "  - kind: file\n    path: a.txt", "  - kind: feed\n    url: https://example.com/rss"
)


def test_feed_and_page_sources(tmp_path: Path) -> None:
    text = (FEED + "fetch:\n  per_host: 4\n").replace(
        "sections:",
        "  - kind: page\n    url: https://example.com/a.html\n    timeout: 5\n"
        "    headers: {Authorization: Bearer t}\n    sections: [one]\n"
        "  - kind: feed\n    path: a.txt\n    full_text: true\nsections:",
    )
    loaded = config.load(write(tmp_path, text))
    feed, page, local = loaded.config.sources
    assert isinstance(feed, config.FeedSource) and feed.url == "https://example.com/rss"
    assert isinstance(page, config.PageSource) and page.headers == {"Authorization": "Bearer t"}
    assert page.sections == ["one"] and page.timeout == 5
    assert isinstance(local, config.FeedSource) and local.path == "a.txt" and local.full_text
    assert loaded.config.fetch.per_host == 4 and loaded.config.fetch.retries == 2


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("  - kind: feed\n    name: x", "sources[0]: Value error, give either url or path"),
        (
            "  - kind: feed\n    url: ftp://x/y",
            "sources[0].url: 'ftp://x/y' is not an http(s):// or file:// URL",
        ),
        ("  - kind: page\n    url: example.com", "sources[0].url: 'example.com' is not an http(s)"),
        (
            "  - kind: page\n    url: https://x.y/\n    urll: 1",
            "sources[0].urll: unknown key 'urll'; did you mean 'url'?",
        ),
        (
            "  - kind: page\n    url: https://x.y/\n    headers: {'Bad Name': v}",
            "sources[0].headers: Value error, 'Bad Name' is not a valid header name",
        ),
        (
            "  - kind: page\n    url: https://x.y/\n    timeout: 0",
            "sources[0].timeout: Input should be greater than 0",
        ),
    ],
)
def test_web_source_problems(tmp_path: Path, source: str, message: str) -> None:
    found = problems(tmp_path, GOOD.replace("  - kind: file\n    path: a.txt", source))
    assert any(message.replace("Value error, ", "") in p for p in found), found


def test_section_hint_must_name_a_section(tmp_path: Path) -> None:
    text = FEED.replace(
        "    url: https://example.com/rss",
        "    url: https://example.com/rss\n    sections: [onе, two]",
    )
    found = problems(tmp_path, text)
    assert any(
        ":6: sources[0].sections[0]: no section 'onе'; did you mean 'one'?" in p for p in found
    ), found


def test_file_url_path(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Beta.\n", encoding="utf-8")
    url = (tmp_path / "b.txt").as_uri()
    loaded = config.load(write(tmp_path, GOOD.replace("path: a.txt", f"path: {url}")))
    assert loaded.config.sources[0].path == str(tmp_path / "b.txt")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "hours"), [("36h", 36), ("2d", 48), ("90m", 1.5), ("1w", 168), ("1.5 h", 1.5)]
)
def test_window_durations(tmp_path: Path, text: str, hours: float) -> None:
    loaded = config.load(
        write(tmp_path, GOOD.replace("  title: Test briefing", f"  title: T\n  window: {text}"))
    )
    span = loaded.config.briefing.window_span
    assert span is not None and span.total_seconds() == hours * 3600


def test_bad_window_and_undated_policy(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  title: Test briefing", "  title: T\n  window: 36 hours\n  undated: ignore"
    )
    found = problems(tmp_path, text)
    assert any(
        ":3: briefing.window: '36 hours' is not a duration such as 90m, 36h, 2d or 1w" in p
        for p in found
    ), found
    assert any(":4: briefing.undated: Input should be 'keep' or 'drop'" in p for p in found), found


# --------------------------------------------------------------------------- issue 13 (11)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("  date: 9999-12-31", "briefing.date"),
        ("  date: 0001-01-01", "briefing.date"),
        ("  window: 200000w", "briefing.window"),
    ],
)
def test_dates_and_windows_off_the_calendar_are_config_errors(
    tmp_path: Path, line: str, field: str
) -> None:
    """They used to pass `validate` and crash `build` with OverflowError."""
    text = GOOD.replace("  title: Test briefing\n", f"  title: Test briefing\n{line}\n")
    found = problems(tmp_path, text)
    assert len(found) == 1 and f"config.yaml:3: {field}:" in found[0], found


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_build_with_a_date_off_the_calendar_is_a_usage_error(tmp_path: Path, day: str) -> None:
    from click.testing import CliRunner

    from digest.cli import main

    text = GOOD.replace("  title: Test briefing\n", "  title: Test briefing\n  window: 36h\n")
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["build", "-c", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output  # the config itself is fine
    result = CliRunner().invoke(
        main, ["build", "-c", str(path), "-o", str(tmp_path / "o2"), "--date", day]
    )
    assert result.exit_code == 2, result.output
    assert "--date" in result.output and "outside the dates" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o2").exists()


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ('output:\n  file_name: "brief\\0ing-{date}"\n', "output.file_name"),
        ('output:\n  latest: "latest\\0"\n', "output.latest"),
        ('output:\n  archive: "arch\\0ive"\n', "output.archive"),
        ('output:\n  directory: "out\\0"\n', "output.directory"),
        ('state:\n  path: "state\\x01.sqlite"\n', "state.path"),
    ],
)
def test_control_characters_in_file_names_are_config_errors(
    tmp_path: Path, block: str, field: str
) -> None:
    """Issue 13 (12): a NUL in a name used to pass `validate` and fail the build midway."""
    found = problems(tmp_path, GOOD + block)
    assert len(found) == 1 and f"{field}: contains the control character" in found[0], found


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)*$", r"(?:[a-z]+)+x", r"(x+x+)+y"])
def test_catastrophic_boilerplate_patterns_are_config_errors(tmp_path: Path, pattern: str) -> None:
    """Issue 13 (8): `(a+)+$` against a long line of a's hung the run."""
    found = problems(tmp_path, GOOD + f"boilerplate:\n  patterns: ['{pattern}']\n")
    assert len(found) == 1 and "boilerplate.patterns" in found[0], found
    assert "repeats a repetition" in found[0]


@pytest.mark.parametrize("pattern", [r"(?:a++)+$", r"(?>a+)+$", r"photo\s*:.{0,120}", r"(a|b)+"])
def test_safe_boilerplate_patterns_pass(tmp_path: Path, pattern: str) -> None:
    loaded = config.load(write(tmp_path, GOOD + f"boilerplate:\n  patterns: ['{pattern}']\n"))
    assert loaded.config.boilerplate.patterns == [pattern]


def test_a_huge_config_is_refused_unread(tmp_path: Path) -> None:
    """Issue 13 (7): 50 MB of list items took 182 s and 4.2 GB before the node limit."""
    path = write(tmp_path, GOOD)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("junk:\n")
        handle.writelines("- 1\n" for _ in range(500_000))  # 2 MB
    with pytest.raises(ConfigError) as info:
        config.load(path)
    [problem] = info.value.problems
    assert "a config may have 1,000,000 at most" in str(problem)


def test_too_many_nodes_stop_while_composing(tmp_path: Path) -> None:
    text = GOOD + "junk: [" + ",".join(["1"] * 150_000) + "]\n"  # 300 KB: under the size cap
    found = problems(tmp_path, text)
    assert len(found) == 1 and "more than 100000 YAML nodes" in found[0], found


def test_validate_reports_file_sources_outside_the_readable_folders(tmp_path: Path) -> None:
    """Issue 13: `validate` said OK and `build` then refused the source (exit 3)."""
    from click.testing import CliRunner

    from digest.cli import main

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "b.txt").write_text("Tariffs rose.\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    text = GOOD.replace(
        "    path: a.txt\n", "    path: a.txt\n  - kind: file\n    path: ../elsewhere/b.txt\n"
    )
    path = write(project, text)
    result = CliRunner().invoke(main, ["validate", "-c", str(path)])
    assert result.exit_code == 2, result.output
    assert (
        "config.yaml:7: sources[1].path: ../elsewhere/b.txt: outside the folders" in result.output
    )
    allowed = path.read_text(encoding="utf-8") + "access:\n  paths: [../elsewhere]\n"
    path.write_text(allowed, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", "-c", str(path)]).exit_code == 0


def _validate_and_build(path: Path) -> tuple[list[str], dict[str, str]]:
    """What `validate` reports (its error lines) and why `build` fails each source."""
    import json

    from click.testing import CliRunner

    from digest.cli import main

    checked = CliRunner().invoke(main, ["validate", "-c", str(path)])
    out = path.parent / "out"
    built = CliRunner().invoke(main, ["build", "-c", str(path), "-f", "json", "-o", str(out)])
    reasons: dict[str, str] = {}
    if built.exit_code == 0:
        (written,) = out.glob("*.json")
        data = json.loads(written.read_text(encoding="utf-8"))
        reasons = {s["id"]: s["reason"] for s in data["sources"] if s["status"] == "failed"}
    else:  # exit 3: every source failed, each named on stderr
        assert built.exit_code == 3, built.output
        for line in built.stderr.splitlines()[1:]:
            source, reason = line.strip().split(": ", 1)
            reasons[source] = reason
    return checked.stderr.splitlines(), reasons


def test_validate_reports_what_build_refuses_through_a_link_a_glob_or_a_feed_file(
    tmp_path: Path,
) -> None:
    """Issue 15: a folder or glob source holding a link out of the readable folders, and a
    feed file that is not there, passed `validate` and then failed in `build`. Both now
    run one check (sources.local_files), so they say the same."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("Tariffs rose.\n", encoding="utf-8")
    project = tmp_path / "project"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "a.txt").write_text("Alpha is here.\n", encoding="utf-8")
    (project / "notes" / "link.txt").symlink_to(outside / "secret.txt")
    text = GOOD.replace(
        "    path: a.txt\n",
        "    path: a.txt\n"
        "  - kind: file\n    id: folder\n    path: notes\n"
        "  - kind: file\n    id: matches\n    path: 'notes/*.txt'\n"
        "  - kind: file\n    id: far\n    path: '../elsewhere/*.md'\n"  # matches nothing yet
        "  - kind: feed\n    id: saved\n    path: feeds/saved.xml\n",
    )
    path = write(project, text)
    errors, reasons = _validate_and_build(path)
    link = f"notes/link.txt (a link to {outside / 'secret.txt'}): outside the folders"
    assert any(f":8: sources[1].path: {link}" in e for e in errors), errors
    assert any(f":11: sources[2].path: {link}" in e for e in errors), errors
    assert any(":14: sources[3].path: ../elsewhere/*.md: outside the folders" in e for e in errors)
    assert any(":17: sources[4].path: feeds/saved.xml: file not found" in e for e in errors)
    assert len(errors) == 4, errors
    assert sorted(reasons) == ["far", "folder", "matches", "saved"]
    for source, reason in reasons.items():  # build fails each for what validate said
        assert any(e.endswith(f"path: {reason}") for e in errors), (source, reason, errors)


def test_file_sources_take_section_hints(tmp_path: Path) -> None:
    text = GOOD.replace("    path: a.txt\n", "    path: a.txt\n    sections: [one]\n")
    loaded = config.load(write(tmp_path, text))
    assert loaded.config.sources[0].sections == ["one"]
    from digest.sources import describe

    assert describe(loaded)[0].sections == ("one",)
    found = problems(tmp_path, text.replace("sections: [one]", "sections: [onr]"))
    assert any("sources[0].sections[0]: no section 'onr'; did you mean 'one'?" in p for p in found)


def test_validate_reports_a_broken_template_and_an_unreadable_ca_file(tmp_path: Path) -> None:
    """Issue 15: `validate` passed both; `build` then failed rendering (exit 1) or
    sending (exit 6). A user's template with a syntax error is named by file and line."""
    from click.testing import CliRunner

    from digest.cli import main

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "briefing.md.j2").write_text(
        "# {{ briefing.title }}\n{% for s in briefing.sections %}\n{{ s.title }\n",
        encoding="utf-8",
    )
    (tmp_path / "mine" / "notes.txt").write_text("{% not a template %}", encoding="utf-8")
    text = GOOD + (
        "output:\n  templates: mine\n"
        "email:\n  sender: a@example.com\n  to: [b@example.com]\n"
        "  smtp:\n    host: 127.0.0.1\n    ca_file: missing-ca.pem\n"
    )
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["validate", "-c", str(path)])
    assert result.exit_code == 2, result.output
    assert "config.yaml:11: output.templates: briefing.md.j2:3: unexpected '}'" in result.stderr
    assert "notes.txt" not in result.stderr  # not a template the briefing loads
    assert "config.yaml:17: email.smtp.ca_file: missing-ca.pem: cannot be read" in result.stderr
    built = CliRunner().invoke(main, ["build", "-c", str(path), "-o", str(tmp_path / "out")])
    assert built.exit_code != 0  # what validate said, build meets
    (tmp_path / "mine" / "briefing.md.j2").write_text("# {{ briefing.title }}\n")
    (tmp_path / "missing-ca.pem").write_text("")
    fixed = CliRunner().invoke(main, ["validate", "-c", str(path)], catch_exceptions=False)
    assert fixed.exit_code == 0, fixed.output
