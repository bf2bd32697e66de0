import { Resvg } from '@resvg/resvg-js';
import type { DigestData } from './collect-digest.js';

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 360;

const COLOURS = { negative: '#d32f2f', neutral: '#9e9e9e', positive: '#388e3c', sla: '#1565c0' };
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/**
 * The digest's chart as SVG: mentions per day stacked by sentiment, and the share of alerts
 * answered within target as a line on a 0–100% axis. Deterministic: the same data, the same bytes.
 */
export function renderChartSvg(data: DigestData): string {
  const left = 56;
  const right = 56;
  const top = 48;
  const bottom = 48;
  const plotW = CHART_WIDTH - left - right;
  const plotH = CHART_HEIGHT - top - bottom;
  const maxTotal = Math.max(1, ...data.days.map((d) => d.total));
  const step = niceStep(maxTotal);
  const yMax = Math.ceil(maxTotal / step) * step;
  const slot = plotW / data.days.length;
  const barW = slot * 0.6;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold" fill="#222">Mentions per day by sentiment, and % answered within target (${esc(data.week)})</text>`,
  ];
  for (let v = 0; v <= yMax; v += step) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v}</text>`);
  }
  for (const pct of [0, 50, 100]) {
    const py = top + plotH - (pct / 100) * plotH;
    parts.push(`<text x="${left + plotW + 8}" y="${(py + 4).toFixed(1)}" fill="${COLOURS.sla}">${pct}%</text>`);
  }
  const points: string[] = [];
  data.days.forEach((day, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let base = 0;
    for (const key of ['negative', 'neutral', 'positive'] as const) {
      const v = day.sentiment[key];
      if (v > 0) parts.push(`<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${COLOURS[key]}"/>`);
      base += v;
    }
    const weekday = new Date(`${day.date}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'short', timeZone: 'UTC' });
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle" fill="#333">${weekday} ${day.date.slice(5)}</text>`);
    if (day.slaWithin !== null) points.push(`${(x + barW / 2).toFixed(1)},${(top + plotH - day.slaWithin * plotH).toFixed(1)}`);
  });
  if (points.length > 1) parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COLOURS.sla}" stroke-width="2.5"/>`);
  for (const p of points) {
    const [px, py] = p.split(',');
    parts.push(`<circle cx="${px}" cy="${py}" r="4" fill="${COLOURS.sla}"/>`);
  }
  const legend = [['negative', 'negative'], ['neutral', 'neutral'], ['positive', 'positive'], ['sla', 'within target']] as const;
  legend.forEach(([key, label], i) => {
    const lx = left + i * 130;
    parts.push(`<rect x="${lx}" y="${CHART_HEIGHT - 18}" width="12" height="12" fill="${COLOURS[key]}"/><text x="${lx + 18}" y="${CHART_HEIGHT - 8}" fill="#333">${label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function niceStep(max: number): number {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const n = rough / power;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * power;
}

/** The chart as PNG, rendered in-process by resvg (system fonts, DejaVu on Debian). */
export function renderChartPng(data: DigestData): Buffer {
  return new Resvg(renderChartSvg(data), { fitTo: { mode: 'width', value: CHART_WIDTH }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
