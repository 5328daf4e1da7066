"""reStructuredText -> sections, with docutils.

Plain docutils does not know Sphinx's roles (``:func:``) and directives
(``.. function::``, ``.. note::``), which most real reST uses. Unknown ones are
registered here as pass-throughs that keep their text, so a role reads as its
title and a directive as its arguments followed by its parsed content.
"""

from __future__ import annotations

import io
import re
import threading

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

from assistant.index.documents import ParsedDocument, Section, clean_text

_SPHINX_ROLES = [
    "abbr",
    "any",
    "attr",
    "class",
    "command",
    "const",
    "data",
    "dfn",
    "doc",
    "download",
    "envvar",
    "eq",
    "exc",
    "file",
    "func",
    "gh",
    "guilabel",
    "issue",
    "kbd",
    "keyword",
    "mailheader",
    "makevar",
    "manpage",
    "menuselection",
    "meth",
    "mimetype",
    "mod",
    "newsgroup",
    "numref",
    "obj",
    "opcode",
    "option",
    "pep",
    "program",
    "ref",
    "regexp",
    "samp",
    "source",
    "term",
    "token",
    "py:func",
    "py:class",
    "py:meth",
    "py:attr",
    "py:mod",
    "py:data",
    "py:exc",
    "py:obj",
    "py:const",
    "c:func",
    "c:type",
    "c:macro",
    "c:data",
    "c:member",
    "c:var",
    "c:expr",
    "c:texpr",
    "cpp:func",
    "cpp:class",
    "monitoring-event",
]

_SPHINX_DIRECTIVES = [
    "function",
    "class",
    "method",
    "attribute",
    "data",
    "exception",
    "module",
    "currentmodule",
    "decorator",
    "decoratormethod",
    "classmethod",
    "staticmethod",
    "coroutinefunction",
    "coroutinemethod",
    "abstractmethod",
    "describe",
    "object",
    "cfunction",
    "cmember",
    "cmacro",
    "ctype",
    "cvar",
    "c:function",
    "c:type",
    "c:macro",
    "c:member",
    "c:var",
    "c:struct",
    "note",
    "warning",
    "seealso",
    "versionadded",
    "versionchanged",
    "versionremoved",
    "deprecated",
    "deprecated-removed",
    "impl-detail",
    "glossary",
    "productionlist",
    "toctree",
    "index",
    "sectionauthor",
    "moduleauthor",
    "highlight",
    "code-block",
    "sourcecode",
    "literalinclude",
    "doctest",
    "testcode",
    "testsetup",
    "testoutput",
    "opcode",
    "cmdoption",
    "option",
    "envvar",
    "program",
    "tabularcolumns",
    "only",
    "centered",
    "hlist",
    "rubric",
    "audit-event",
    "availability",
    "include-raw",
    "pdbcommand",
    "2to3fixer",
    "fixer",
]

_TITLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]+>$", re.S)


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """`title <target>` reads as its title; `~a.b.c` as `c`; anything else as itself."""
    m = _TITLE_TARGET.match(text)
    shown = m.group(1) if m else text
    if shown.startswith("~"):
        shown = shown[1:].rsplit(".", 1)[-1]
    return [nodes.literal(rawtext, shown.lstrip("!"))], []


class _AnyOptions(dict):
    """An option_spec that accepts every option (their values are not indexed)."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str):
        return directives.unchanged


class _Passthrough(Directive):
    has_content = True
    optional_arguments = 50
    final_argument_whitespace = True
    option_spec = _AnyOptions()

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        if self.arguments:
            out.append(nodes.paragraph(text=" ".join(self.arguments)))
        if self.content:
            box = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, box)
            out.append(box)
        return out


_registered = False
_register_lock = threading.Lock()


def _register_sphinx_names() -> None:
    global _registered
    with _register_lock:
        if _registered:
            return
        for name in _SPHINX_ROLES:
            roles.register_local_role(name, _text_role)
        for name in _SPHINX_DIRECTIVES:
            directives.register_directive(name, _Passthrough)
        _registered = True


def _body_text(section: nodes.Element) -> str:
    parts = []
    for child in section.children:
        if isinstance(child, nodes.title | nodes.section | nodes.system_message):
            continue
        if isinstance(child, nodes.comment | nodes.target | nodes.substitution_definition):
            continue
        parts.append(child.astext())
    return clean_text("\n\n".join(parts))


_FILE_FIELDS = re.compile(r"\A(?:[ \t]*\n)*(?::[\w-]+:[^\n]*\n)+")


def rst_sections(text: str) -> ParsedDocument:
    _register_sphinx_names()
    # Sphinx file-wide metadata (":tocdepth: 2") before the title would stop docutils
    # from taking the first heading as the document title.
    text = _FILE_FIELDS.sub("", text, count=1)
    doctree = publish_doctree(
        text,
        settings_overrides={
            "report_level": 5,
            "halt_level": 5,
            "warning_stream": io.StringIO(),
            "file_insertion_enabled": False,
            "raw_enabled": False,
            "input_encoding": "unicode",
            "doctitle_xform": True,
        },
    )
    title = doctree.get("title") or None
    sections: list[Section] = []
    intro = _body_text(doctree)
    if intro:
        sections.append(Section(path=[], text=intro))

    def walk(node: nodes.Element, path: list[str]) -> None:
        for child in node.children:
            if isinstance(child, nodes.section):
                heading = child[0].astext().strip() if child.children else ""
                here = [*path, heading]
                body = _body_text(child)
                if body:
                    sections.append(Section(path=here, text=body))
                walk(child, here)

    walk(doctree, [])
    return ParsedDocument(title=title, sections=sections)
