/** @jsxImportSource hono/jsx */
/**
 * 邻里互助 and 微心愿 on the resident page: a resident posts a need (点单) with points offered, cancels it while
 * nobody has done it, confirms and rates it (评单) once done; as a volunteer takes an open one (接单), hands it
 * back or marks it done; and claims a micro-wish to fulfil it. Every action is the API's command with the
 * member's own actor, so the ledger's rules decide (a member may cancel or confirm only their own request, mark
 * done only one assigned to them). Posting a wish and confirming it fulfilled are organisers' (the ledger's
 * permissions), so the page lists wishes and offers only the claim.
 */
import type { Actor, ServiceRequestView, WishView } from '@volunteer-ledger/core';
import type { Context, Hono } from 'hono';
import { dateTimeIn, instantIn } from './format.js';
import { field, type Form, newId, onceKey, runCommand, type UiDeps } from './web.js';

/** Open requests listed for volunteers, and the member's own requests read (posting order). */
export const requestsShown = 20;
/** Own requests read to find the live ones: a member's history past this is on the API. */
export const ownRequestsRead = 100;
/** Wishes waiting for a claimant listed on the page. */
export const wishesShown = 20;
/** Ratings a requester gives (评单), best first. */
const ratings = [5, 4, 3, 2, 1] as const;

type Member = { readonly actor: Actor; readonly communityId: string; readonly memberId: string };
type Poster = (c: Context) => Promise<{ who: Member; form: Form }>;
type Back = (c: Context, outcome: { ok: true; done: string } | { ok: false; code: string }) => Response;

export const requestDoneMessages: Record<string, string> = {
  'request-posted': '需求已发布，悬赏的积分已为您预留。有志愿者接单后会显示在“我发布的需求”里。',
  'request-cancelled': '需求已取消，预留的积分已退回。',
  'request-confirmed': '已确认并评价，谢谢您！悬赏的积分已转给志愿者。',
  'request-taken': '接单成功，请按约定时间去服务。完成后点“我已完成”。',
  'request-declined': '已放弃这个单子，它会重新开放给其他志愿者。',
  'request-done': '已标记完成，等待对方确认。',
  'wish-claimed': '您已认领这个微心愿，谢谢您！请和社区工作人员联系，完成后由社区确认。',
};

export function requestRoutes(app: Hono, deps: UiDeps, poster: Poster, back: Back): void {
  /** Runs one command on a request or wish named in the URL and goes back to the page with how it went. */
  type Command = Record<string, unknown> & { type: string };
  const act = (path: string, done: string, command: (who: Member, form: Form, id: string) => Command | Promise<Command>) =>
    app.post(path, async (c) => {
      const { who, form } = await poster(c);
      const result = await runCommand(deps, who.actor, await command(who, form, c.req.param('id') ?? ''), onceKey(form));
      return back(c, result.ok ? { ok: true, done } : { ok: false, code: result.error.code });
    });

  act('/app/requests', 'request-posted', async (who, form) => {
    // The date and time are the community's wall clock; one that is not a date is passed on for the ledger to refuse.
    const community = await (await deps.reads.fresh()).community(who.communityId);
    const date = field(form, 'date');
    const time = field(form, 'time') || '09:00';
    const wantedAt = (community && instantIn(date, time, community.timeZone)) ?? `${date}T${time}`;
    const points = field(form, 'points');
    return {
      type: 'PostServiceRequest',
      communityId: who.communityId,
      requestId: newId('app'),
      memberId: who.memberId,
      category: field(form, 'category'),
      description: field(form, 'description'),
      place: field(form, 'place'),
      wantedAt,
      ...(points === '' || points === '0' ? {} : { pointsOffered: points }),
    };
  });
  const target = (who: Member, id: string) => ({ communityId: who.communityId, requestId: id });
  act('/app/requests/:id/cancel', 'request-cancelled', (who, _form, id) => ({ type: 'CancelServiceRequest', ...target(who, id) }));
  act('/app/requests/:id/confirm', 'request-confirmed', (who, form, id) => {
    const comment = field(form, 'comment');
    return { type: 'ConfirmServiceRequest', ...target(who, id), rating: Number(field(form, 'rating') || 'NaN'), ...(comment ? { comment } : {}) };
  });
  act('/app/requests/:id/take', 'request-taken', (who, _form, id) => ({ type: 'TakeServiceRequest', ...target(who, id), memberId: who.memberId }));
  act('/app/requests/:id/decline', 'request-declined', (who, _form, id) => ({ type: 'DeclineServiceRequest', ...target(who, id) }));
  act('/app/requests/:id/done', 'request-done', (who, form, id) => ({ type: 'MarkServiceRequestDone', ...target(who, id), hours: field(form, 'hours') }));
  act('/app/wishes/:id/claim', 'wish-claimed', (who, _form, id) => ({ type: 'ClaimWish', communityId: who.communityId, wishId: id, memberId: who.memberId }));
}

const requestStatusWords: Record<string, string> = {
  posting: '正在发布',
  open: '等待志愿者接单',
  assigned: '已有志愿者接单',
  done: '志愿者已完成，请您确认',
  confirming: '正在确认',
  confirmed: '已确认',
  rejected: '服务时长未通过审核',
  ending: '正在结束',
  cancelled: '已取消',
  refused: '社区未受理',
  expired: '无人接单，已过期',
};
const wishStatusWords: Record<string, string> = {
  posted: '等待认领',
  claiming: '正在认领',
  claimed: '已认领',
  fulfilling: '正在确认',
  fulfilled: '已实现',
  cancelling: '正在取消',
  cancelled: '已取消',
};

/** Points offered, in words. */
const offered = (r: ServiceRequestView) => (r.pointsOffered ? `悬赏 ${r.pointsOffered} 积分` : '不悬赏积分');

export function ServiceRequests(props: {
  open: readonly ServiceRequestView[];
  mine: readonly ServiceRequestView[];
  memberId: string;
  categories: ReadonlyMap<string, { name: string; active: boolean }>;
  keys: unknown;
  timeZone: string;
  today: string;
}) {
  const { keys, timeZone: tz, memberId } = props;
  const category = (id: string) => props.categories.get(id)?.name ?? id;
  const posted = props.mine.filter((r) => r.requesterId === memberId).reverse();
  const serving = props.mine.filter((r) => r.volunteerId === memberId && r.requesterId !== memberId && (r.status === 'assigned' || r.status === 'done')).reverse();
  const takeable = props.open.filter((r) => r.requesterId !== memberId);
  const active = [...props.categories].filter(([, c]) => c.active);
  return (
    <section aria-labelledby="requests">
      <h2 id="requests">邻里互助</h2>
      <p>需要帮忙时在这里发布需求（点单），志愿者接单后上门服务；您也可以接别人的单。</p>

      <h3>我发布的需求</h3>
      {posted.length === 0 ? <p>您还没有发布过需求。</p> : null}
      {posted.map((r) => (
        <div class="card" data-testid="my-request">
          <strong>{r.description}</strong>
          <p>
            {category(r.category)} · {dateTimeIn(r.wantedAt, tz)} · {r.place} · {offered(r)}
          </p>
          <p data-testid="request-status">{requestStatusWords[r.status] ?? r.status}</p>
          {r.hours ? <p>志愿者服务了 {r.hours} 小时。</p> : null}
          {r.rating !== null ? <p>您的评价：{'★'.repeat(r.rating)}</p> : null}
          {keys && r.status === 'done' ? (
            <form method="post" action={`/app/requests/${encodeURIComponent(r.requestId)}/confirm`}>
              {keys}
              <fieldset>
                <legend>服务满意吗？请打分</legend>
                {ratings.map((n) => (
                  <label class="choice">
                    <input type="radio" name="rating" value={String(n)} required checked={n === 5} /> {'★'.repeat(n)} {n} 分
                  </label>
                ))}
              </fieldset>
              <label for={`comment-${r.requestId}`}>想说的话（可以不填）</label>
              <textarea id={`comment-${r.requestId}`} name="comment" rows={2}></textarea>
              <p>
                <button type="submit" aria-label={`确认完成并评价 ${r.description}`}>
                  确认完成并评价
                </button>
              </p>
            </form>
          ) : null}
          {keys && (r.status === 'open' || r.status === 'assigned') ? (
            <form method="post" action={`/app/requests/${encodeURIComponent(r.requestId)}/cancel`} data-confirm="确定取消这个需求吗？">
              {keys}
              <button class="danger" type="submit" aria-label={`取消需求 ${r.description}`}>
                取消需求
              </button>
            </form>
          ) : null}
        </div>
      ))}

      {keys && active.length > 0 ? (
        <details class="card">
          <summary>发布新的需求</summary>
          <form method="post" action="/app/requests" data-confirm="确定发布吗？悬赏的积分会先为您预留。">
            {keys}
            <label for="request-category">需要哪类帮助</label>
            <select id="request-category" name="category" required>
              {active.map(([id, c]) => (
                <option value={id}>{c.name}</option>
              ))}
            </select>
            <label for="request-description">需要做什么</label>
            <textarea id="request-description" name="description" rows={3} required></textarea>
            <label for="request-place">地点</label>
            <input id="request-place" name="place" required autocomplete="off" />
            <label for="request-date">日期</label>
            <input id="request-date" name="date" type="date" value={props.today} required />
            <label for="request-time">时间</label>
            <input id="request-time" name="time" type="time" value="09:00" required />
            <label for="request-points">悬赏积分（可以不填）</label>
            <input id="request-points" name="points" inputmode="decimal" autocomplete="off" />
            <p>
              <button type="submit">发布需求</button>
            </p>
          </form>
        </details>
      ) : null}

      <h3>我接的单</h3>
      {serving.length === 0 ? <p>您现在没有要做的单子。</p> : null}
      {serving.map((r) => (
        <div class="card" data-testid="my-task">
          <strong>{r.description}</strong>
          <p>
            {category(r.category)} · {dateTimeIn(r.wantedAt, tz)} · {r.place} · {offered(r)}
          </p>
          <p>{requestStatusWords[r.status] ?? r.status}</p>
          {keys && r.status === 'assigned' ? (
            <>
              <form method="post" action={`/app/requests/${encodeURIComponent(r.requestId)}/done`}>
                {keys}
                <label for={`hours-${r.requestId}`}>服务了几小时</label>
                <input id={`hours-${r.requestId}`} name="hours" inputmode="decimal" required autocomplete="off" />
                <p>
                  <button type="submit" aria-label={`我已完成 ${r.description}`}>
                    我已完成
                  </button>
                </p>
              </form>
              <form method="post" action={`/app/requests/${encodeURIComponent(r.requestId)}/decline`} data-confirm="确定放弃这个单子吗？">
                {keys}
                <button class="secondary" type="submit" aria-label={`放弃这个单子 ${r.description}`}>
                  放弃这个单子
                </button>
              </form>
            </>
          ) : null}
        </div>
      ))}

      <h3>可以接的单</h3>
      {takeable.length === 0 ? <p>目前没有等待接单的需求。</p> : null}
      {takeable.map((r) => (
        <div class="card" data-testid="open-request">
          <strong>{r.description}</strong>
          <p>
            {category(r.category)} · {dateTimeIn(r.wantedAt, tz)} · {r.place} · {offered(r)}
          </p>
          {keys ? (
            <form method="post" action={`/app/requests/${encodeURIComponent(r.requestId)}/take`} data-confirm="确定接这个单吗？">
              {keys}
              <button type="submit" aria-label={`接单 ${r.description}`}>
                接单
              </button>
            </form>
          ) : null}
        </div>
      ))}
    </section>
  );
}

export function Wishes(props: { waiting: readonly WishView[]; claimed: readonly WishView[]; keys: unknown }) {
  return (
    <section aria-labelledby="wishes">
      <h2 id="wishes">微心愿</h2>
      <p>社区里有困难的居民的小心愿，由社区工作人员登记。您可以认领一个，帮他实现。</p>
      {props.claimed.length > 0 ? (
        <>
          <h3>我认领的心愿</h3>
          {props.claimed.map((w) => (
            <div class="card" data-testid="my-wish">
              <strong>{w.title}</strong>
              <p>{wishStatusWords[w.status] ?? w.status}</p>
            </div>
          ))}
        </>
      ) : null}
      {props.waiting.length === 0 ? <p>目前没有等待认领的心愿。</p> : null}
      {props.waiting.map((w) => (
        <div class="card" data-testid="wish">
          <strong>{w.title}</strong>
          {w.description ? <p>{w.description}</p> : null}
          <p>{wishStatusWords[w.status] ?? w.status}</p>
          {props.keys ? (
            <form method="post" action={`/app/wishes/${encodeURIComponent(w.wishId)}/claim`} data-confirm={`确定认领「${w.title}」吗？`}>
              {props.keys}
              <button type="submit" aria-label={`认领 ${w.title}`}>
                认领
              </button>
            </form>
          ) : null}
        </div>
      ))}
    </section>
  );
}
