"""Figures as the statistics print them: thousands separated, shares as percentages."""

from django import template

from organizations import charts

register = template.Library()


@register.filter
def number(value):
    return charts.number(value)


@register.filter
def share(value):
    """A ratio (0.123) as a percentage (12.3%); "–" when there is none."""
    return "–" if value is None else f"{value:.1%}"
