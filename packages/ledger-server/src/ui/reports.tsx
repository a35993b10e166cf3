/** @jsxImportSource hono/jsx */
/**
 * Reports with pictures for the street office: hours by category and month, points issued / spent /
 * expired by month with what is outstanding at each month's end (a line over the bars, running from the first
 * points ever issued, not only the period's), active members by month, top items and the leaderboard,
 * each as an SVG chart, a table and a CSV download. The numbers are the read models' community report and
 * leaderboard, the same the JSON report routes serve, one report per calendar month of the period.
 */
import { calendarDatePattern, type CommunityReport, type LeaderboardRow } from '@volunteer-ledger/core';
import type { Context, Hono } from 'hono';
import { Problem } from '../problems.js';
import { BarChart, HorizontalBarChart } from './charts.js';
import { type ConsoleContext, ConsolePage } from './console.js';
import { todayIn } from './format.js';
import { respond, type T } from './layout.js';
import type { UiDeps } from './web.js';

/** Longest period the reports page draws month by month. */
export const maxReportMonths = 24;
/** Months shown when no period is asked for (this one included). */
export const defaultReportMonths = 12;
/** Rows of the leaderboard and of the top items. */
export const topRows = 10;

export interface Month {
  readonly label: string;
  readonly from: string;
  readonly to: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar months the period [from, to] touches, each clipped to the period. */
export function monthsOf(from: string, to: string): Month[] {
  const months: Month[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  while (`${year}-${pad(month)}` <= to.slice(0, 7)) {
    const first = `${year}-${pad(month)}-01`;
    const last = `${year}-${pad(month)}-${pad(new Date(Date.UTC(year, month, 0)).getUTCDate())}`;
    months.push({ label: `${year}-${pad(month)}`, from: first < from ? from : first, to: last > to ? to : last });
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** The default period: the first day of the month `defaultReportMonths - 1` months ago, to today. */
export function defaultPeriod(today: string): { from: string; to: string } {
  let year = Number(today.slice(0, 4));
  let month = Number(today.slice(5, 7)) - (defaultReportMonths - 1);
  while (month < 1) {
    month += 12;
    year -= 1;
  }
  return { from: `${year}-${pad(month)}-01`, to: today };
}

export interface ReportData {
  readonly from: string;
  readonly to: string;
  readonly months: readonly Month[];
  readonly monthly: readonly CommunityReport[];
  /** Points outstanding at the end of each month of `months` (for the month of today: now). */
  readonly outstandingAtMonthEnd: readonly string[];
  readonly whole: CommunityReport;
  readonly leaderboard: readonly LeaderboardRow[];
  readonly categoryNames: ReadonlyMap<string, string>;
  readonly itemNames: ReadonlyMap<string, string>;
}

export type Table = { readonly head: readonly string[]; readonly rows: ReadonlyArray<ReadonlyArray<string | number>> };

/** The tables of the page, by CSV name; headers in both languages so a file is readable either way. */
export function reportTables(data: ReportData, t: T): Record<'monthly' | 'categories' | 'items' | 'leaderboard', Table> {
  const categoryIds = Object.keys(data.whole.hoursByCategory).sort();
  const name = (id: string) => data.categoryNames.get(id) ?? id;
  return {
    monthly: {
      head: [
        t('月份', 'month'),
        ...categoryIds.map((id) => `${name(id)} ${t('小时', 'hours')}`),
        t('总时长', 'hours total'),
        t('发放积分', 'points issued'),
        t('收回积分', 'points clawed back'),
        t('兑换消费积分', 'points spent'),
        t('过期积分', 'points expired'),
        t('捐赠积分', 'points donated'),
        t('月末未使用积分', 'points outstanding at month end'),
        t('活跃成员', 'active members'),
      ],
      rows: data.months.map((m, i) => {
        const r = data.monthly[i]!;
        return [m.label, ...categoryIds.map((id) => r.hoursByCategory[id] ?? '0.00'), r.hoursTotal, r.points.issued, r.points.clawedBack, r.points.spent, r.points.expired, r.points.donated, data.outstandingAtMonthEnd[i]!, r.activeMembers];
      }),
    },
    categories: {
      head: [t('服务类别', 'category'), t('小时', 'hours')],
      rows: categoryIds.map((id) => [name(id), data.whole.hoursByCategory[id]!]),
    },
    items: {
      head: [t('商品', 'item'), t('兑换次数', 'redemptions')],
      rows: Object.entries(data.whole.redemptionsByItem)
        .sort(([, a], [, b]) => b - a)
        .slice(0, topRows)
        .map(([id, count]) => [data.itemNames.get(id) ?? id, count]),
    },
    leaderboard: {
      head: [t('名次', 'rank'), t('成员', 'member'), t('小时', 'hours')],
      rows: data.leaderboard.map((r) => [r.rank, r.memberId, r.hours]),
    },
  };
}

/**
 * RFC 4180 CSV with a byte order mark (so spreadsheet programs read the Chinese as UTF-8). A text cell
 * that a spreadsheet would run as a formula is prefixed with an apostrophe; numbers are left alone.
 */
export function toCsv(table: Table): string {
  const cell = (value: string | number) => {
    let text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `\uFEFF${[table.head, ...table.rows].map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function reportRoutes(app: Hono, deps: UiDeps, staff: (c: Context) => Promise<ConsoleContext | Response>): void {
  const { ledger, reads } = deps;

  async function gather(c: Context, cx: ConsoleContext): Promise<ReportData> {
    const communityId = cx.session.communityId;
    const models = await reads.fresh();
    const community = await models.community(communityId);
    if (!community) throw new Problem('not-found', `community ${communityId} does not exist`);
    const fallback = defaultPeriod(todayIn(ledger.clock.now(), community.timeZone));
    const from = c.req.query('from') || fallback.from;
    const to = c.req.query('to') || fallback.to;
    for (const date of [from, to]) if (!calendarDatePattern.test(date)) throw new Problem('validation', `dates are like 2026-01-31, got ${JSON.stringify(date.slice(0, 20))}`);
    if (from > to) throw new Problem('validation', `the period starts (${from}) after it ends (${to})`);
    const months = monthsOf(from, to);
    if (months.length > maxReportMonths) throw new Problem('validation', `a period of at most ${maxReportMonths} months is drawn month by month; this one spans ${months.length}`);
    const [monthly, monthEnds, whole, leaderboard, items] = await Promise.all([
      Promise.all(months.map((m) => models.communityReport(communityId, m.from, m.to))),
      models.outstandingAtMonthEnds(communityId, months.map((m) => m.label)),
      models.communityReport(communityId, from, to),
      models.leaderboard(communityId, from, to, topRows),
      models.catalogue(communityId, { includeDelisted: true }),
    ]);
    return {
      from,
      to,
      months,
      monthly: monthly.map((r) => r!),
      outstandingAtMonthEnd: monthEnds.map((e) => e.outstanding),
      whole: whole!,
      leaderboard,
      categoryNames: new Map([...community.categories.entries()].map(([id, c]) => [id, c.name])),
      itemNames: new Map(items.map((i) => [i.itemId, i.name])),
    };
  }

  app.get('/console/reports', async (c) => {
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const { t } = cx;
    const data = await gather(c, cx);
    const tables = reportTables(data, t);
    const labels = data.months.map((m) => m.label.slice(2));
    const categoryIds = Object.keys(data.whole.hoursByCategory).sort();
    const period = `from=${data.from}&to=${data.to}`;
    const num = (text: string) => Number(text);
    const csvLink = (name: string) => (
      <a href={`/console/reports/${name}.csv?${period}`} download={`${name}-${data.from}-${data.to}.csv`}>
        {t('下载 CSV', 'Download CSV')}
      </a>
    );
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('报表', 'Reports')}>
        <h1>{t('报表', 'Reports')}</h1>
        <form method="get" action="/console/reports" class="row">
          <div>
            <label for="from">{t('开始日期', 'From')}</label>
            <input id="from" name="from" type="date" value={data.from} />
          </div>
          <div>
            <label for="to">{t('结束日期', 'To')}</label>
            <input id="to" name="to" type="date" value={data.to} />
          </div>
          <button type="submit">{t('查看', 'Show')}</button>
        </form>
        <p>
          {t(`期间共服务 ${data.whole.hoursTotal} 小时；目前未使用的积分 ${data.whole.points.outstanding}，爱心积分池 ${data.whole.points.donationPool}。`, `${data.whole.hoursTotal} hours served in the period; ${data.whole.points.outstanding} points outstanding now, ${data.whole.points.donationPool} in the donation pool.`)}
        </p>

        <h2>{t('各月各类服务时长', 'Hours by category and month')}</h2>
        <figure class="chart">
          <BarChart
            id="hours-chart"
            title={t('各月各类服务时长（小时）', 'Hours by category and month')}
            labels={labels}
            stacked
            series={categoryIds.map((id) => ({ name: data.categoryNames.get(id) ?? id, values: data.monthly.map((r) => num(r.hoursByCategory[id] ?? '0')) }))}
          />
        </figure>
        <HtmlTable table={tables.categories} caption={t('期间各类服务时长', 'Hours by category in the period')} />
        {csvLink('categories')}

        <h2>{t('积分：发放、消费、过期、未使用', 'Points issued, spent, expired and outstanding')}</h2>
        <figure class="chart">
          <BarChart
            id="points-chart"
            title={t('各月积分发放、消费、过期（柱），月末未使用积分（线）', 'Points issued, spent and expired by month (bars), outstanding at month end (line)')}
            labels={labels}
            line={{ name: t('月末未使用', 'outstanding at month end'), values: data.outstandingAtMonthEnd.map(num) }}
            series={[
              { name: t('发放', 'issued'), values: data.monthly.map((r) => num(r.points.issued)) },
              { name: t('兑换消费', 'spent'), values: data.monthly.map((r) => num(r.points.spent)) },
              { name: t('过期', 'expired'), values: data.monthly.map((r) => num(r.points.expired)) },
            ]}
          />
        </figure>

        <h2>{t('活跃成员', 'Active members')}</h2>
        <figure class="chart">
          <BarChart id="active-chart" title={t('各月活跃成员数', 'Active members by month')} labels={labels} series={[{ name: t('活跃成员', 'active members'), values: data.monthly.map((r) => r.activeMembers) }]} />
        </figure>
        <HtmlTable table={tables.monthly} caption={t('按月汇总', 'By month')} />
        {csvLink('monthly')}

        <h2>{t('热门兑换商品', 'Top items')}</h2>
        <figure class="chart">
          <HorizontalBarChart id="items-chart" title={t('兑换次数最多的商品', 'Most redeemed items')} rows={tables.items.rows.map(([label, value]) => ({ label: String(label), value: Number(value) }))} />
        </figure>
        <HtmlTable table={tables.items} caption={t('兑换次数', 'Redemptions by item')} />
        {csvLink('items')}

        <h2>{t('服务时长排行', 'Leaderboard')}</h2>
        <figure class="chart">
          <HorizontalBarChart id="leaderboard-chart" title={t('服务时长最多的成员', 'Most hours served')} rows={data.leaderboard.map((r) => ({ label: r.memberId, value: num(r.hours) }))} />
        </figure>
        <HtmlTable table={tables.leaderboard} caption={t('排行榜', 'Leaderboard')} />
        {csvLink('leaderboard')}
      </ConsolePage>,
    );
  });

  for (const name of ['monthly', 'categories', 'items', 'leaderboard'] as const) {
    app.get(`/console/reports/${name}.csv`, async (c) => {
      const cx = await staff(c);
      if (cx instanceof Response) return cx;
      const data = await gather(c, cx);
      c.header('content-disposition', `attachment; filename="${name}-${data.from}-${data.to}.csv"`);
      c.header('cache-control', 'no-store');
      return c.body(toCsv(reportTables(data, cx.t)[name]), 200, { 'content-type': 'text/csv; charset=utf-8' });
    });
  }
}

/** Numbers are right-aligned; names and months are not. */
const numeric = (value: string | number | undefined): boolean => typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));

function HtmlTable(props: { table: Table; caption: string }) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.table.head.map((h, i) => (
            <th class={numeric(props.table.rows[0]?.[i]) ? 'n' : undefined}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.table.rows.map((row) => (
          <tr>
            {row.map((v) => (numeric(v) ? <td class="n">{v}</td> : <td>{v}</td>))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
