import { MonthlyReport, ReportFigures } from './report.schemas';

export const REPORT_LOCALES = ['ru', 'kk', 'en'] as const;
export type ReportLocale = (typeof REPORT_LOCALES)[number];

type Key =
  | 'title'
  | 'subtitle'
  | 'region'
  | 'district'
  | 'scope'
  | 'whole'
  | 'outcomes'
  | 'chart'
  | 'minutes'
  | 'generated'
  | 'trace'
  | keyof Omit<ReportFigures, 'outcomes' | 'response_median_s' | 'response_p90_s'>
  | 'response_median'
  | 'response_p90'
  | `outcome.${keyof ReportFigures['outcomes']}`;

/** The printed report's words (the console has its own catalogs; this one is the document's). */
const TEXT: Record<ReportLocale, Record<Key, string>> = {
  ru: {
    title: 'Итоги работы центров оперативного управления за {month}',
    subtitle: 'Данные kuzet: камеры, нарушения, сигналы и результаты реагирования',
    region: 'Область',
    district: 'Район',
    scope: 'Центр',
    whole: 'вся область',
    outcomes: 'Результаты выездов по подтверждённым сигналам',
    chart: 'Время реагирования (подтверждение → прибытие), мин: медиана и 90%',
    minutes: 'мин',
    generated: 'Сформирован {time} (Asia/Almaty, UTC+5). Период: {from} — {to}.',
    trace: 'Каждая цифра получена запросом, приведённым в JSON-версии отчёта.',
    cameras_installed: 'Камер установлено',
    cameras_connected: 'Подключено к ЦОУ',
    violations: 'Админ. нарушений выявлено камерами',
    alerts_confirmed: 'Подтверждённых сигналов',
    responses_measured: 'Выездов с отметкой прибытия',
    wanted_persons_identified: 'Установлено разыскиваемых лиц',
    wanted_persons_brought_in: 'Доставлено разыскиваемых лиц',
    vehicles_found: 'Найдено автомобилей в розыске',
    false_alerts: 'Ложных сигналов',
    sos_buttons: 'Кнопок SOS',
    sos_calls: 'Вызовов с кнопок SOS',
    response_median: 'Реагирование, медиана',
    response_p90: 'Реагирование, 90%',
    'outcome.detained': 'Задержан и доставлен',
    'outcome.not_found': 'Не обнаружен',
    'outcome.not_the_subject': 'Не тот человек / автомобиль',
    'outcome.other': 'Иное',
    'outcome.none': 'Без результата',
  },
  kk: {
    title: '{month} бойынша жедел басқару орталықтарының жұмыс қорытындысы',
    subtitle: 'kuzet деректері: камералар, құқық бұзушылықтар, дабылдар және ден қою нәтижелері',
    region: 'Облыс',
    district: 'Аудан',
    scope: 'Орталық',
    whole: 'бүкіл облыс',
    outcomes: 'Расталған дабылдар бойынша шығу нәтижелері',
    chart: 'Ден қою уақыты (растау → келу), мин: медиана және 90%',
    minutes: 'мин',
    generated: 'Құрастырылды {time} (Asia/Almaty, UTC+5). Кезең: {from} — {to}.',
    trace: 'Әр сан есептің JSON нұсқасында келтірілген сұраумен алынды.',
    cameras_installed: 'Орнатылған камералар',
    cameras_connected: 'ЖБО-ға қосылған',
    violations: 'Камералар анықтаған әкімш. құқық бұзушылықтар',
    alerts_confirmed: 'Расталған дабылдар',
    responses_measured: 'Келуі белгіленген шығулар',
    wanted_persons_identified: 'Анықталған іздестірілушілер',
    wanted_persons_brought_in: 'Жеткізілген іздестірілушілер',
    vehicles_found: 'Табылған іздестірілген көліктер',
    false_alerts: 'Жалған дабылдар',
    sos_buttons: 'SOS түймелері',
    sos_calls: 'SOS түймелерінен шақырулар',
    response_median: 'Ден қою, медиана',
    response_p90: 'Ден қою, 90%',
    'outcome.detained': 'Ұсталып, жеткізілді',
    'outcome.not_found': 'Табылмады',
    'outcome.not_the_subject': 'Басқа адам / көлік',
    'outcome.other': 'Басқа',
    'outcome.none': 'Нәтижесіз',
  },
  en: {
    title: 'Operations centres: results for {month}',
    subtitle: 'From kuzet: cameras, violations, alerts and what came of them',
    region: 'Region',
    district: 'District',
    scope: 'Centre',
    whole: 'the whole region',
    outcomes: 'Outcomes of confirmed alerts',
    chart: 'Response time (confirm → arrival), min: median and 90th percentile',
    minutes: 'min',
    generated: 'Generated {time} (Asia/Almaty, UTC+5). Period: {from} to {to}.',
    trace: 'Every figure comes from a query listed in the JSON form of this report.',
    cameras_installed: 'Cameras installed',
    cameras_connected: 'Connected to the centres',
    violations: 'Administrative violations found by cameras',
    alerts_confirmed: 'Alerts confirmed',
    responses_measured: 'Dispatches with an arrival',
    wanted_persons_identified: 'Wanted persons identified',
    wanted_persons_brought_in: 'Wanted persons brought in',
    vehicles_found: 'Wanted vehicles found',
    false_alerts: 'False alerts',
    sos_buttons: 'SOS buttons',
    sos_calls: 'SOS button calls',
    response_median: 'Response, median',
    response_p90: 'Response, 90th percentile',
    'outcome.detained': 'Detained and brought in',
    'outcome.not_found': 'Not found',
    'outcome.not_the_subject': 'Not the person or car',
    'outcome.other': 'Other',
    'outcome.none': 'No outcome recorded',
  },
};

const COUNTS = [
  'cameras_installed',
  'cameras_connected',
  'violations',
  'alerts_confirmed',
  'wanted_persons_identified',
  'wanted_persons_brought_in',
  'vehicles_found',
  'false_alerts',
  'sos_buttons',
  'sos_calls',
] as const;
const OUTCOME_KEYS = ['detained', 'not_found', 'not_the_subject', 'other', 'none'] as const;

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}

/** The report as one self-contained HTML page (no script, no external resource): what the web
 * app links to, and what Chromium prints to PDF. Numbers are written whole, without grouping
 * separators, so that the PDF's text reads back as the JSON's numbers. */
export function renderMonthlyReportHtml(report: MonthlyReport, locale: ReportLocale): string {
  const t = TEXT[locale];
  const monthName = new Intl.DateTimeFormat(locale, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${report.month}-15T00:00:00Z`));
  const when = (iso: string) =>
    new Intl.DateTimeFormat(locale, {
      timeZone: 'Asia/Almaty',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(iso));
  const minutes = (s: number | null) => (s === null ? '—' : (s / 60).toFixed(1));
  const rows = [
    ...report.districts.map((d) => ({ id: d.district_id, name: d.district_name, f: d.figures })),
    { id: '$region', name: t.region, f: report.region },
  ];
  const head = [t.district, ...COUNTS.map((c) => t[c]), t.response_median, t.response_p90]
    .map((h) => `<th scope="col">${escape(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr${r.id === '$region' ? ' class="region"' : ''} data-district="${escape(r.id)}"><th scope="row">${escape(r.name)}</th>` +
        COUNTS.map((c) => `<td data-figure="${c}">${r.f[c]}</td>`).join('') +
        `<td>${minutes(r.f.response_median_s)}</td><td>${minutes(r.f.response_p90_s)}</td></tr>`,
    )
    .join('\n');
  const slowest = Math.max(1, ...rows.map((r) => r.f.response_p90_s ?? 0));
  const bars = rows
    .map((r, i) => {
      const y = i * 26;
      const p90 = ((r.f.response_p90_s ?? 0) / slowest) * 380;
      const median = ((r.f.response_median_s ?? 0) / slowest) * 380;
      return (
        `<text x="0" y="${y + 17}">${escape(r.name)}</text>` +
        `<rect x="190" y="${y + 4}" width="${p90.toFixed(1)}" height="18" fill="#b9c9e8"/>` +
        `<rect x="190" y="${y + 8}" width="${median.toFixed(1)}" height="10" fill="#1f4e9c"/>` +
        `<text x="${(196 + p90).toFixed(1)}" y="${y + 17}">${minutes(r.f.response_median_s)} / ${minutes(r.f.response_p90_s)}</text>`
      );
    })
    .join('');
  const totalOutcomes = Math.max(1, ...OUTCOME_KEYS.map((o) => report.region.outcomes[o]));
  const outcomeBars = OUTCOME_KEYS.map((o, i) => {
    const n = report.region.outcomes[o];
    const w = (n / totalOutcomes) * 380;
    return (
      `<text x="0" y="${i * 26 + 17}">${escape(t[`outcome.${o}`])}</text>` +
      `<rect x="190" y="${i * 26 + 4}" width="${w.toFixed(1)}" height="18" fill="#2f7d4f"/>` +
      `<text x="${(196 + w).toFixed(1)}" y="${i * 26 + 17}">${n}</text>`
    );
  }).join('');
  const title = fill(t.title, { month: monthName });
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
  @page { size: A4 landscape; margin: 12mm; }
  body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; color: #1b1b1b; font-size: 10pt; }
  h1 { font-size: 15pt; margin: 0 0 2pt; }
  h2 { font-size: 11pt; margin: 12pt 0 4pt; }
  p { margin: 2pt 0; }
  table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
  th, td { border: 1px solid #9aa5b5; padding: 3pt 4pt; text-align: right; vertical-align: bottom; }
  thead th { background: #e3e9f2; font-size: 8pt; }
  th[scope=row], thead th:first-child { text-align: left; }
  tr.region { font-weight: bold; background: #eef2f8; }
  svg text { font-size: 9pt; }
  .muted { color: #555; font-size: 8pt; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p>${escape(t.subtitle)}. ${escape(t.scope)}: ${escape(report.centre_id ?? t.whole)}</p>
<table>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
<h2>${escape(t.chart)}</h2>
<svg role="img" aria-label="${escape(t.chart)}" width="700" height="${rows.length * 26 + 4}">${bars}</svg>
<h2>${escape(t.outcomes)}</h2>
<svg role="img" aria-label="${escape(t.outcomes)}" width="700" height="${OUTCOME_KEYS.length * 26 + 4}">${outcomeBars}</svg>
<p class="muted">${escape(
    fill(t.generated, {
      time: when(report.generated_at),
      from: when(report.period_from),
      to: when(report.period_to),
    }),
  )} ${escape(t.trace)}</p>
</body>
</html>
`;
}
