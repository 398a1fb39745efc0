"""UI finding 8: the extension's placeholders reach 4.5:1 contrast on JupyterLab's input
background, in the light and the dark theme (the browser's own grey was ~2.2:1 in dark)."""

from __future__ import annotations

import re
from pathlib import Path

import jupyterlab
import pytest

BASE_CSS = Path(__file__).parents[2] / "style" / "base.css"
THEMES = Path(jupyterlab.__file__).parent / "themes" / "@jupyterlab"
#: Chromium's ::placeholder colour, used when no rule sets one.
BROWSER_PLACEHOLDER = "#757575"


def theme_variables(theme: str) -> dict[str, str]:
    css = (THEMES / theme / "index.css").read_text(encoding="utf-8")
    return dict(re.findall(r"(--jp-[\w-]+):\s*([^;}]+)", css))


def resolve(value: str, variables: dict[str, str]) -> str:
    for _ in range(10):
        match = re.fullmatch(r"\s*var\((--[\w-]+)(?:,\s*(.+))?\)\s*", value)
        if not match:
            return value.strip()
        value = variables.get(match.group(1)) or match.group(2) or ""
    raise AssertionError(f"cannot resolve {value}")


def rgba(value: str) -> tuple[float, float, float, float]:
    named = {"white": "#ffffff", "black": "#000000"}
    value = named.get(value, value)
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return (*(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)), 1.0)  # type: ignore[return-value]
    numbers = [float(n) for n in re.findall(r"[\d.]+", value)]
    r, g, b = (n / 255 for n in numbers[:3])
    return r, g, b, numbers[3] if len(numbers) > 3 else 1.0


def over(top: tuple[float, float, float, float], bottom: tuple[float, ...]) -> tuple[float, ...]:
    alpha = top[3]
    return tuple(top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3))


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def placeholder_rule() -> tuple[str, float]:
    """The colour and opacity the extension's CSS gives its textarea placeholders."""
    css = BASE_CSS.read_text(encoding="utf-8")
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if "textarea::placeholder" in selectors and "naas-" in selectors:
            color = re.search(r"(?<![-\w])color:\s*([^;]+);", body)
            opacity = re.search(r"opacity:\s*([\d.]+)", body)
            return (
                color.group(1) if color else BROWSER_PLACEHOLDER,
                float(opacity.group(1)) if opacity else 1.0,
            )
    return BROWSER_PLACEHOLDER, 1.0


@pytest.mark.parametrize("theme", ["theme-light-extension", "theme-dark-extension"])
def test_placeholders_reach_aa_contrast(theme: str) -> None:
    variables = theme_variables(theme)
    background = rgba(resolve("var(--jp-input-background)", variables))
    color, opacity = placeholder_rule()
    r, g, b, a = rgba(resolve(color, variables))
    shown = over((r, g, b, a * opacity), background)
    lighter, darker = sorted((luminance(shown), luminance(background)), reverse=True)
    ratio = (lighter + 0.05) / (darker + 0.05)
    assert ratio >= 4.5, f"{theme}: placeholder contrast {ratio:.2f}:1"
