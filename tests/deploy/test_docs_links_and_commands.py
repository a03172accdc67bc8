"""README.md, docs/ and bench/README.md stay true: their links lead somewhere, and the commands they
show exist.

- every relative link (and image) points at a file of the repository, and every `#anchor` at a heading
  of the file it names (GitHub's slugs);
- every `make <target>` shown in code is a target of the Makefile;
- every `manage.py <command>` shown in code is a management command, and every `--option` after it on
  the same line is one that command accepts (its own parser, in this process).

The README's quick-start commands are also run, as printed, by test_readme_commands.py.
"""

import re
from pathlib import Path

from django.core.management import get_commands, load_command_class

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")), REPO / "bench" / "README.md"]
FENCED = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
INLINE = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
MAKE = re.compile(r"(?<![\w./-])make\s+(?:[A-Z_]+=\S*\s+)*([a-z][\w.-]*)")
MANAGE = re.compile(r"manage\.py\s+([a-z_]+)([^\n#]*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")


def _name(path):
    return str(path.relative_to(REPO))


def _prose(text):
    """The text outside code: fenced blocks and inline code spans removed."""
    return INLINE.sub("", FENCED.sub("", text))


def _code(text):
    """Each piece of code shown: every line of a fenced block (continued lines joined), every inline span."""
    pieces = []
    for block in FENCED.finditer(text):
        body = block.group(0).split("\n")[1:-1]
        pieces += "\n".join(body).replace("\\\n", " ").split("\n")
    pieces += [" ".join(span.group(2).split()) for span in INLINE.finditer(FENCED.sub("", text))]
    return pieces


def slug(heading):
    """GitHub's anchor for a heading: link targets and markup dropped, lowercase, punctuation except
    hyphens and underscores removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path):
    seen, found = {}, set()
    for match in HEADING.finditer(FENCED.sub("", path.read_text())):
        base = slug(match.group(2))
        found.add(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return found


def broken_links(doc):
    problems = []
    for target in LINK.findall(_prose(doc.read_text())):
        if re.match(r"^[a-z][a-z+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.is_relative_to(REPO) or not linked.exists():
            problems.append(f"{_name(doc)}: {target} (no such file in the repository)")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            problems.append(f"{_name(doc)}: {target} (no heading with anchor #{anchor} in {_name(linked)})")
    return problems


def makefile_targets():
    text = (REPO / "Makefile").read_text()
    return {m for m in re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M) if m != ".PHONY"}


def unknown_make_targets(doc, targets):
    shown = {t for piece in _code(doc.read_text()) for t in MAKE.findall(piece)}
    return [f"{_name(doc)}: make {t}" for t in sorted(shown - targets)]


def commands_shown(doc):
    """(command, options) for each `manage.py <command> ...` shown, and each inline span that starts
    with one of the project's own commands (`train_model --cv 5`)."""
    own = {name for name, app in get_commands().items() if app == "detector"}
    shown = []
    for piece in _code(doc.read_text()):
        piece = piece.split(" # ")[0]
        for command, rest in MANAGE.findall(piece):
            shown.append((command, OPTION.findall(rest)))
        words = piece.split()
        if words and words[0] in own and "manage.py" not in piece:
            shown.append((words[0], OPTION.findall(piece)))
    return shown


def options_of(command):
    parser = load_command_class(get_commands()[command], command).create_parser("manage.py", command)
    return {option for action in parser._actions for option in action.option_strings}


def wrong_commands(doc):
    commands, problems = get_commands(), []
    for command, options in commands_shown(doc):
        if command not in commands:
            problems.append(f"{_name(doc)}: manage.py {command} (no such command)")
            continue
        accepted = options_of(command)
        problems += [f"{_name(doc)}: manage.py {command} {o} (not an option of {command})"
                     for o in options if o not in accepted]
    return problems


def test_the_docs_are_found():
    names = {_name(doc) for doc in DOCS}
    assert {"README.md", "docs/README.md", "docs/using.md", "docs/api.md", "docs/training.md",
            "docs/operating.md", "docs/speed.md", "docs/code.md", "docs/testing.md"} <= names


def test_every_relative_link_and_anchor_leads_somewhere():
    problems = [p for doc in DOCS for p in broken_links(doc)]
    assert not problems, "\n".join(problems)


def test_every_make_target_shown_is_in_the_makefile():
    targets = makefile_targets()
    assert {"run", "test", "release-model"} <= targets
    shown = [t for doc in DOCS for piece in _code(doc.read_text()) for t in MAKE.findall(piece)]
    assert {"run", "test"} <= set(shown)
    problems = [p for doc in DOCS for p in unknown_make_targets(doc, targets)]
    assert not problems, "\n".join(problems)


def test_every_manage_py_command_shown_exists_with_the_options_shown():
    shown = {command for doc in DOCS for command, _ in commands_shown(doc)}
    assert {"install_model", "train_model", "evaluate_model", "analyze_many"} <= shown
    problems = [p for doc in DOCS for p in wrong_commands(doc)]
    assert not problems, "\n".join(problems)


def test_slugs_follow_githubs_rules():
    assert slug("Endpoints (`/api/v1/`)") == "endpoints-apiv1"
    assert slug("3. Measure a recipe: group k-fold cross-validation") == "3-measure-a-recipe-group-k-fold-cross-validation"
    assert slug("The API's contract") == "the-apis-contract"
