"""Text of a rendered figure: measured with the paper font, and converted to outlines so that an SVG looks the same
on every machine.

vl-convert writes each label as an SVG ``<text>`` naming the paper font (:data:`workbench.viz.style.SERIF`); a
machine without that font draws another one, with other widths, and labels overlap or run off the figure.
:func:`text_to_paths` replaces every such ``<text>`` by a ``<path>`` of the font's glyph outlines (its text kept as
``aria-label``) and reports where each one's ink lies in the figure's coordinates, which is what
:mod:`workbench.viz.export` uses to check that nothing falls outside the figure. :func:`text_width` measures a
string the same way, for wrapping titles to a column.
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from workbench.viz import style

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

_FILES = {(False, False): "Regular", (True, False): "Bold", (False, True): "It", (True, True): "BoldIt"}
_TEXT_ATTRIBUTES = ("font-family", "font-size", "font-weight", "font-style", "text-anchor", "x", "y", "dx", "dy")


@dataclass(frozen=True)
class TextBox:
    """Where a label's ink lies, in the coordinates of the whole figure (SVG user units)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@functools.cache
def _font(bold: bool, italic: bool) -> TTFont:
    return TTFont(style.FONT_DIR / f"SourceSerifPro-{_FILES[bold, italic]}.ttf")


@functools.cache
def _pair_kerning(bold: bool, italic: bool) -> list:
    """The pair-adjustment subtables of the font's ``kern`` feature (OpenType GPOS lookup type 2)."""
    gpos = _font(bold, italic)["GPOS"].table
    indices = {i for record in gpos.FeatureList.FeatureRecord if record.FeatureTag == "kern"
               for i in record.Feature.LookupListIndex}
    tables = []
    for index in sorted(indices):
        lookup = gpos.LookupList.Lookup[index]
        for table in lookup.SubTable:
            table = table.ExtSubTable if lookup.LookupType == 9 else table
            if table.LookupType == 2:
                tables.append(table)
    return tables


@functools.lru_cache(maxsize=65536)
def _kern(left: str, right: str, bold: bool, italic: bool) -> int:
    """Kerning (font units) between glyphs ``left`` and ``right``: the first pair subtable covering the pair."""
    for table in _pair_kerning(bold, italic):
        if left not in table.Coverage.glyphs:
            continue
        if table.Format == 1:
            pairs = table.PairSet[table.Coverage.glyphs.index(left)].PairValueRecord
            value = next((r.Value1 for r in pairs if r.SecondGlyph == right), None)
            if value is None:
                continue
        else:
            first = table.ClassDef1.classDefs.get(left, 0)
            value = table.Class1Record[first].Class2Record[table.ClassDef2.classDefs.get(right, 0)].Value1
        return getattr(value, "XAdvance", 0) or 0
    return 0


def _advances(names: list[str], bold: bool, italic: bool) -> list[int]:
    """The advance of each glyph (font units), kerned against the next one, as Vega's text measurement does."""
    metrics = _font(bold, italic)["hmtx"].metrics
    return [metrics[name][0] + (_kern(name, names[i + 1], bold, italic) if i + 1 < len(names) else 0)
            for i, name in enumerate(names)]


def _is_bold(weight: str | None) -> bool:
    return weight is not None and (weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600))


def _glyphs(font: TTFont, text: str) -> list[str] | None:
    cmap = font.getBestCmap()
    names = [cmap.get(ord(char)) for char in text]
    return None if any(name is None for name in names) else names


def text_width(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """Advance width of ``text`` set in the paper font at ``size`` (px), kerned, in px (characters the font lacks
    count as one em)."""
    font = _font(bold, italic)
    cmap, em = font.getBestCmap(), font["head"].unitsPerEm
    known = [cmap[ord(c)] for c in text if ord(c) in cmap]
    units = sum(_advances(known, bold, italic)) + em * (len(text) - len(known))
    return units * size / em


def _matrix(transform: str | None) -> np.ndarray:
    """The 3x3 affine matrix of an SVG ``transform`` attribute (translate, scale, rotate, matrix)."""
    result = np.eye(3)
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", transform or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip()) if v]
        step = np.eye(3)
        if name == "translate":
            step[0, 2], step[1, 2] = values[0], values[1] if len(values) > 1 else 0.0
        elif name == "scale":
            step[0, 0], step[1, 1] = values[0], values[1] if len(values) > 1 else values[0]
        elif name == "rotate":
            angle = math.radians(values[0])
            cx, cy = (values[1], values[2]) if len(values) == 3 else (0.0, 0.0)
            rotation = np.array([[math.cos(angle), -math.sin(angle), 0], [math.sin(angle), math.cos(angle), 0],
                                 [0, 0, 1]])
            step = _matrix(f"translate({cx},{cy})") @ rotation @ _matrix(f"translate({-cx},{-cy})")
        elif name == "matrix":
            a, b, c, d, e, f = values
            step = np.array([[a, c, e], [b, d, f], [0, 0, 1]])
        result = result @ step
    return result


def _length(value: str | None, size: float) -> float:
    if not value:
        return 0.0
    value = value.strip()
    if value.endswith("em"):
        return float(value[:-2]) * size
    return float(value.removesuffix("px"))


def _outline(text: str, size: float, anchor: str, x: float, y: float, bold: bool, italic: bool
             ) -> tuple[str, tuple[float, float, float, float] | None] | None:
    """SVG path data of ``text`` with its baseline origin at ``(x, y)``, and its ink bounds; ``None`` when the font
    lacks a character."""
    font = _font(bold, italic)
    names = _glyphs(font, text)
    if names is None:
        return None
    glyph_set, advances = font.getGlyphSet(), _advances(names, bold, italic)
    scale = size / font["head"].unitsPerEm
    width = sum(advances) * scale
    start = x - {"middle": width / 2, "end": width}.get(anchor, 0.0)
    path, bounds = SVGPathPen(glyph_set, ntos=lambda v: f"{v:.2f}".rstrip("0").rstrip(".")), BoundsPen(glyph_set)
    advance = 0.0
    for name, step in zip(names, advances, strict=True):
        placement = (scale, 0, 0, -scale, start + advance, y)
        glyph_set[name].draw(TransformPen(path, placement))
        glyph_set[name].draw(TransformPen(bounds, placement))
        advance += step * scale
    return path.getCommands(), bounds.bounds


def _lines(element: ET.Element, size: float) -> list[tuple[str, float, float]]:
    """The text of a ``<text>`` as (string, x, y) lines: its own text, or one line per ``<tspan>``."""
    x, y = _length(element.get("x"), size), _length(element.get("y"), size) + _length(element.get("dy"), size)
    lines = [(element.text, x, y)] if element.text and element.text.strip() else []
    for span in element.findall(f"{{{SVG_NS}}}tspan"):
        x = _length(span.get("x"), size) if span.get("x") is not None else x
        y += _length(span.get("dy"), size)
        lines.append((span.text or "", x, y))
    return lines


def text_to_paths(svg: str) -> tuple[str, list[TextBox]]:
    """``svg`` with each ``<text>`` in the paper font drawn as glyph outlines, and the ink box of every label.

    A ``<path>`` keeps the text's transform, fill and opacity, and its text as ``aria-label``; an empty ``<text>``
    (an unlabelled tick) is dropped. Text in another font,
    or with a character the paper font lacks, stays text; its box is then estimated from the paper font's advance
    widths and an em-high line.
    """
    root = ET.fromstring(svg)
    boxes: list[TextBox] = []

    def visit(parent: ET.Element, matrix: np.ndarray) -> None:
        for child in list(parent):
            local = matrix @ _matrix(child.get("transform"))
            if child.tag != f"{{{SVG_NS}}}text":
                visit(child, local)
                continue
            size = _length(child.get("font-size"), 10.0) or 10.0
            bold, italic = _is_bold(child.get("font-weight")), child.get("font-style") == "italic"
            anchor = child.get("text-anchor", "start")
            serif = style.SERIF in (child.get("font-family") or "")
            lines = _lines(child, size)
            if not lines:  # an unlabelled tick: nothing to draw
                parent.remove(child)
                continue
            commands, extent = [], []
            for text, x, y in lines:
                drawn = _outline(text, size, anchor, x, y, bold, italic) if serif else None
                if drawn is None:
                    width = text_width(text, size, bold=bold, italic=italic)
                    start = x - {"middle": width / 2, "end": width}.get(anchor, 0.0)
                    extent.append((start, y - size, start + width, y + 0.25 * size))
                    commands = None
                    continue
                if commands is not None:
                    commands.append(drawn[0])
                if drawn[1] is not None:
                    extent.append(drawn[1])
            label = " ".join(text for text, _, _ in lines)
            for x0, y0, x1, y1 in extent:
                corners = local @ np.array([[x0, x1, x0, x1], [y0, y0, y1, y1], [1, 1, 1, 1]])
                boxes.append(TextBox(label, corners[0].min(), corners[1].min(), corners[0].max(), corners[1].max()))
            if commands:  # the same element, turned into a path in place (its drawing order is kept)
                kept = {k: v for k, v in child.attrib.items() if k not in _TEXT_ATTRIBUTES}
                child.clear()
                child.tag = f"{{{SVG_NS}}}path"
                child.attrib.update(kept, d=" ".join(commands), role="img")
                child.set("aria-label", label)

    visit(root, np.eye(3))
    return ET.tostring(root, encoding="unicode"), boxes
