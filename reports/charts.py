"""Chart images (PNG) for the .docx reports, drawn with matplotlib's Agg backend (no display).

Chinese labels need a CJK font. The first one found among the installed fonts is used (Debian:
fonts-noto-cjk gives "Noto Sans CJK SC"); without one, each label that is not plain ASCII is drawn
as its number instead ("1", "2", ...), and the table under the chart, whose rows carry the same
numbers, names them: the report stays readable on a server without Chinese fonts.

Charts carry no title: the document's caption above each chart is the title (real text, in Word's
own fonts).
"""

import io
import os
from functools import lru_cache

from django.conf import settings

CJK_FONT_NAMES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)
COLORS = ("#0b3d91", "#c8102e", "#198754", "#fd7e14", "#6f42c1", "#0dcaf0", "#6c757d")
WIDTH_INCHES, HEIGHT_INCHES, DPI = 6.3, 2.8, 150


def _pyplot():
    # matplotlib caches fonts under MPLCONFIGDIR; the default (~/.config) may not be writable.
    config_dir = settings.VAR_DIR / "matplotlib"
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MPLCONFIGDIR", str(config_dir))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    _pyplot()
    from matplotlib import font_manager

    available = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONT_NAMES:
        if name in available:
            return name
    for name in sorted(available):
        if "CJK" in name and ("SC" in name or "CN" in name):
            return name
    return None


def chart_labels(labels: list[str]) -> list[str]:
    """The labels as drawn: as they are with a CJK font, else numbers for the non-ASCII ones."""
    if cjk_font():
        return [str(label) for label in labels]
    return [str(label) if str(label).isascii() else str(number) for number, label in enumerate(labels, start=1)]


def _figure(pyplot):
    font = cjk_font()
    params = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
    if font:
        params["font.sans-serif"] = [font, "DejaVu Sans"]
        params["font.family"] = "sans-serif"
        params["axes.unicode_minus"] = False
    pyplot.rcParams.update(params)
    return pyplot.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)


def _png(pyplot, figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.1)
    pyplot.close(figure)
    return buffer.getvalue()


def bar_chart(labels: list[str], values: list[float], *, color: str = COLORS[0]) -> bytes:
    """Vertical bars with their values on top."""
    pyplot = _pyplot()
    figure, axes = _figure(pyplot)
    drawn = chart_labels(labels)
    positions = list(range(len(values)))
    bars = axes.bar(positions, values, color=color, width=0.6)
    axes.set_xticks(positions, drawn, rotation=30 if max((len(s) for s in drawn), default=0) > 4 else 0, ha="right")
    axes.bar_label(bars, labels=[_number(v) for v in values], padding=2, fontsize=8)
    axes.set_ylim(0, max([*values, 1]) * 1.15)
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(pyplot, figure)


def line_chart(categories: list[str], series: list[tuple[str, list[float]]]) -> bytes:
    """One line per series over the categories (months), with a legend."""
    pyplot = _pyplot()
    figure, axes = _figure(pyplot)
    names = chart_labels([name for name, _values in series])
    positions = list(range(len(categories)))
    for index, ((_name, values), drawn) in enumerate(zip(series, names, strict=True)):
        axes.plot(positions, values, marker="o", markersize=3, color=COLORS[index % len(COLORS)], label=drawn)
    axes.set_xticks(positions, [str(c) for c in categories], rotation=45, ha="right")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    if series:
        axes.legend(
            frameon=False, fontsize=8, ncol=min(len(series), 4), loc="upper center", bbox_to_anchor=(0.5, -0.28)
        )
    return _png(pyplot, figure)


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))
