import { element, svgElement } from '../ui/dom.js';
import { formatAxisNumber, formatMonth } from '../format/numbers.js';

export interface TrendPoint {
  /** First day of the month, `YYYY-MM-01`. */
  month: string;
  /** Exact value as a decimal string, or null for a month without one. */
  value: string | null;
}

const WIDTH = 880;
const HEIGHT = 280;
const MARGIN = { top: 16, right: 16, bottom: 36, left: 72 };
const TICKS = 5;

/**
 * Draws a bar chart of monthly values as SVG, with a hidden table of the same values for
 * screen readers. `formatValue` formats the exact strings for tooltips and the table.
 */
export function renderTrendChart(points: readonly TrendPoint[], title: string, formatValue: (value: string) => string): HTMLElement {
  // Bar heights need numbers; Number() is used only for geometry, never for a displayed value.
  const numbers = points.map((point) => (point.value === null ? 0 : Number(point.value)));
  const { low, high, step } = niceScale(Math.min(0, ...numbers), Math.max(0, ...numbers));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (value: number): number => MARGIN.top + plotHeight - ((value - low) / (high - low)) * plotHeight;

  const svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'trend-chart', role: 'img', 'aria-label': title });
  svg.append(svgElement('title', {}, [title]));

  const tickCount = Math.round((high - low) / step);
  for (let index = 0; index <= tickCount; index += 1) {
    const value = low + step * index;
    const position = y(value);
    svg.append(
      svgElement('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: position, y2: position, class: value === 0 ? 'axis-zero' : 'grid-line' }),
      svgElement('text', { x: MARGIN.left - 8, y: position + 4, class: 'axis-label', 'text-anchor': 'end' }, [formatAxisNumber(value)]),
    );
  }

  const slot = plotWidth / Math.max(points.length, 1);
  const barWidth = Math.max(2, slot * 0.7);
  // Long series get the year at each January; short ones a label per month, thinned to about 70 px each.
  const yearsOnly = points.length > 24;
  const labelEvery = Math.max(1, Math.ceil(70 / slot));

  points.forEach((point, index) => {
    const value = numbers[index] ?? 0;
    const x = MARGIN.left + slot * index + (slot - barWidth) / 2;
    const top = Math.min(y(value), y(0));
    const height = Math.max(Math.abs(y(value) - y(0)), point.value === null ? 0 : 1);
    const label = `${formatMonth(point.month, 'long')}: ${point.value === null ? '–' : formatValue(point.value)}`;
    svg.append(
      svgElement('rect', { x, y: top, width: barWidth, height, class: value < 0 ? 'bar negative' : 'bar' }, [svgElement('title', {}, [label])]),
    );
    const labelText = yearsOnly ? (point.month.slice(5, 7) === '01' ? point.month.slice(0, 4) : undefined) : index % labelEvery === 0 ? formatMonth(point.month) : undefined;
    if (labelText !== undefined) {
      svg.append(svgElement('text', { x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 18, class: 'axis-label', 'text-anchor': 'middle' }, [labelText]));
    }
  });

  return element('figure', { class: 'chart' }, [svg, dataTable(points, title, formatValue)]);
}

function dataTable(points: readonly TrendPoint[], title: string, formatValue: (value: string) => string): HTMLElement {
  const rows = points.map((point) =>
    element('tr', {}, [element('th', { scope: 'row', text: formatMonth(point.month, 'long') }), element('td', { text: point.value === null ? '–' : formatValue(point.value) })]),
  );
  // The wrapper hides the table, because a table grows to its content whatever height it is given.
  return element('div', { class: 'visually-hidden' }, [element('table', {}, [element('caption', { text: title }), element('tbody', {}, rows)])]);
}

/** Widens [low, high] to a round tick step (1, 2 or 5 times a power of ten) with about five ticks. */
function niceScale(low: number, high: number): { low: number; high: number; step: number } {
  if (low === high) {
    return { low, high: low + 1, step: 1 };
  }
  const rawStep = (high - low) / TICKS;
  const power = 10 ** Math.floor(Math.log10(rawStep));
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rawStep) ?? 10) * power;
  return { low: Math.floor(low / step) * step, high: Math.ceil(high / step) * step, step };
}
