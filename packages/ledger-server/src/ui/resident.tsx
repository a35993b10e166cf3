/** @jsxImportSource hono/jsx */
/**
 * The resident page (/app, zh-CN, phone first, 适老化): balance and what it means, points about to expire,
 * level and the way to the next star, the statement, the shop with 兑换 and 取消, gifts and donations where
 * the policy allows, and the certificate to print. Signed in by a printed card (a one-time link) or by an
 * embedding app's JWT; every action is a ledger command with the member's own actor.
 */
import { type AccountView, type Actor, type ActivityView, type ServiceRequestView, type WishView, accountView, currentPolicy, type CatalogueItemView, type CommunityState, type MemberActivityView, type RedemptionView, type StatementEntry } from '@volunteer-ledger/core';
import type { Context, Hono } from 'hono';
import { canReadAccount } from '../access.js';
import type { Principal } from '../auth.js';
import { Problem, problemKinds } from '../problems.js';
import { dateIn, dateTimeIn, isPositive, todayIn } from './format.js';
import { FormKeys, Page, pageStatus, respond } from './layout.js';
import { ownRequestsRead, requestDoneMessages, requestRoutes, requestsShown, ServiceRequests, Wishes, wishesShown } from './resident-requests.js';
import { memberSessionTtlMs } from './sessions.js';
import { addressKey, clientAddress, type SignInLimiter } from './sign-in-limit.js';
import { checkCsrf, checkOrigin, clearSessionCookie, field, newId, onceKey, readForm, runCommand, sessionOf, setSessionCookie, type UiDeps } from './web.js';

/** How far ahead the page warns of expiring points. */
export const expiryWarningDays = 30;
/** Activities listed on the page (open ones, and the member's own). */
export const activitiesShown = 20;
/** Statement lines shown on the page (the API pages through the rest). */
export const statementLinesShown = 20;

/** Who is looking: a member session (cookie, with its CSRF token) or an embedding app's bearer credential. */
interface Viewer {
  readonly actor: Actor;
  readonly communityId: string;
  readonly memberId: string;
  /** Null when the request carries a bearer credential: no cookie, so no cross-site forgery to guard against. */
  readonly csrf: string | null;
  readonly cookieToken: string | null;
}

const residentHeader = (signedIn: boolean, csrf: string | null) => (
  <header class="bar">
    <span class="title">我的志愿积分</span>
    {signedIn && csrf !== null ? (
      <form class="inline" method="post" action="/app/sign-out">
        <input type="hidden" name="_csrf" value={csrf} />
        <button class="secondary" type="submit">
          退出登录
        </button>
      </form>
    ) : null}
  </header>
);

function message(title: string, body: string, status: Parameters<typeof respond>[2], c: Context) {
  return respond(
    c,
    <Page title={title} lang="zh" bodyClass="resident" header={residentHeader(false, null)}>
      <h1>{title}</h1>
      <p>{body}</p>
    </Page>,
    status,
  );
}

/** Done-messages by code (a code in the URL, never text, so a link cannot put words in the page's mouth). */
const doneMessages: Record<string, string> = {
  redeemed: '兑换已提交，积分已为您预留。请到社区服务站领取。',
  cancelled: '兑换已取消，预留的积分已退回。',
  given: '积分已转赠。',
  donated: '感谢您向爱心积分池捐赠积分！',
  'signed-up': '报名成功。名额已满时会排在候补名单上，有空位时按顺序递补。',
  withdrawn: '已取消报名。',
  ...requestDoneMessages,
};
const errorMessages: Record<string, string> = {
  'insufficient-points': '可用积分不够，未能完成。',
  'in-deficit': '您目前有欠分，补足前暂时不能兑换或转赠。',
  'stock-exhausted': '这件商品已经兑完了。',
  'limit-reached': '已达到这件商品的兑换次数上限。',
  'transfer-not-allowed': '社区规定不允许这样转赠。',
  'not-allowed': '您没有权限进行这项操作。',
  'not-found': '没有找到对象，请检查填写的编号。',
  'invalid-state': '当前状态下不能进行这项操作（可能已经处理过）。',
  validation: '填写的内容不正确，请检查后再试。',
  busy: '系统正忙，请稍后再试。',
};
export const errorMessage = (code: string): string => errorMessages[code] ?? `操作未成功（${code}），请联系社区工作人员。`;

export function residentRoutes(app: Hono, deps: UiDeps, limiter: SignInLimiter): void {
  const { ledger, reads, sessions } = deps;

  async function viewer(c: Context): Promise<Viewer | null> {
    const authorization = c.req.header('authorization');
    if (authorization) {
      const principal: Principal = await deps.authenticator.authenticate(authorization);
      if (principal.actor.communityId === '*') throw new Problem('not-allowed', 'the resident page is for a member of one community; this credential spans every community');
      return { actor: principal.actor, communityId: principal.actor.communityId, memberId: principal.actor.id, csrf: null, cookieToken: null };
    }
    const found = await sessionOf(c, deps, 'member');
    if (!found) return null;
    const { session, token } = found;
    return { actor: session.actor, communityId: session.communityId, memberId: session.actor.id, csrf: session.csrfToken, cookieToken: token };
  }

  /** A POST's viewer: a bearer credential, or a session whose CSRF token the form carries. */
  async function poster(c: Context): Promise<{ who: Viewer; form: Awaited<ReturnType<typeof readForm>> }> {
    checkOrigin(c);
    const who = await viewer(c);
    if (!who) throw new Problem('unauthenticated', 'sign in with your card first');
    const form = await readForm(c);
    if (who.csrf !== null) checkCsrf(form, who.csrf);
    return { who, form };
  }

  const notSignedIn = (c: Context) =>
    message('请先登录', '请用社区发给您的登录卡登录：用手机扫描卡上的二维码，再点“进入我的积分”。没有登录卡，请联系社区工作人员。', 401, c);

  // ── Signing in with a card: GET shows a button (link previewers must not use the card up), POST uses it ──
  app.get('/app/card/:token', (c) =>
    respond(
      c,
      <Page title="登录卡" lang="zh" bodyClass="resident" header={residentHeader(false, null)}>
        <h1>欢迎使用志愿积分</h1>
        <p>点下面的按钮，就能在这部手机上查看您的积分。这张登录卡只能用一次。</p>
        <form method="post" action={`/app/card/${encodeURIComponent(c.req.param('token'))}`}>
          <button type="submit">进入我的积分</button>
        </form>
      </Page>,
    ),
  );

  app.post('/app/card/:token', async (c) => {
    checkOrigin(c);
    // Card links cannot be guessed at speed: too many failed cards from one address wait a while.
    const limited = [addressKey(clientAddress(c))];
    const wait = limiter.retryAfterSeconds(limited);
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return message('请稍后再试', `登录尝试次数太多，请 ${Math.ceil(wait / 60)} 分钟后再试。如果登录卡一直无法使用，请联系社区工作人员。`, 429, c);
    }
    const now = ledger.clock.now();
    const card = await sessions.useCard(c.req.param('token'), now);
    if (typeof card === 'string') limiter.failed(limited);
    if (card === 'unknown') return message('登录卡无效', '这张登录卡无法识别。请向社区工作人员重新领取一张。', 404, c);
    if (card === 'used') return message('登录卡已用过', '这张登录卡已经用过了，每张卡只能用一次。请向社区工作人员重新领取一张。', 410, c);
    if (card === 'expired') return message('登录卡已过期', '这张登录卡已经过期。请向社区工作人员重新领取一张。', 410, c);
    if (card === 'revoked') return message('登录卡已作废', '这张登录卡已被社区作废。请向社区工作人员重新领取一张。', 410, c);
    const actor: Actor = { id: card.memberId, role: 'member', communityId: card.communityId };
    const { session, token } = await sessions.startSession({ kind: 'member', actor, communityId: card.communityId, credentialId: `card:${card.cardId}`, cardId: card.cardId, now, ttlMs: memberSessionTtlMs });
    setSessionCookie(c, deps, 'member', token, session.expiresAt);
    return c.redirect('/app', 303);
  });

  // An embedding app exchanges its member's JWT for a session (the session acts as that member only).
  app.post('/app/sign-in', async (c) => {
    checkOrigin(c);
    const form = await readForm(c);
    const principal = await deps.authenticator.authenticate(`Bearer ${field(form, 'token')}`);
    const { id, communityId } = principal.actor;
    if (communityId === '*') throw new Problem('not-allowed', 'the resident page is for a member of one community; this credential spans every community');
    const actor: Actor = { id, role: 'member', communityId };
    const { session, token } = await sessions.startSession({ kind: 'member', actor, communityId, credentialId: principal.credentialId, now: ledger.clock.now(), ttlMs: memberSessionTtlMs });
    setSessionCookie(c, deps, 'member', token, session.expiresAt);
    return c.redirect('/app', 303);
  });

  app.post('/app/sign-out', async (c) => {
    const { who } = await poster(c);
    if (who.cookieToken) await sessions.endSession(who.cookieToken);
    clearSessionCookie(c, deps, 'member');
    return message('已退出', '您已退出登录。下次请用新的登录卡登录。', 200, c);
  });

  app.get('/app', async (c) => {
    const who = await viewer(c);
    if (!who) return notSignedIn(c);
    await canReadAccount(ledger, who.actor, who.communityId, who.memberId);
    const models = await reads.fresh();
    const [model, community] = await Promise.all([models.member(who.communityId, who.memberId), models.community(who.communityId)]);
    if (!model || !community) return message('没有找到账户', '没有找到您的积分账户，请联系社区工作人员。', 404, c);
    const now = ledger.clock.now();
    const cursor = c.req.query('before');
    const statement = await models.statement(who.communityId, who.memberId, { order: 'newest', limit: statementLinesShown, ...(cursor ? { cursor } : {}) });
    const [items, redemptions, openActivities, mine, openRequests, myRequests, waitingWishes, claimedWishes] = await Promise.all([
      models.catalogue(who.communityId),
      models.redemptions(who.communityId, { memberId: who.memberId }),
      models.openActivities(who.communityId, now, { limit: activitiesShown }),
      models.memberActivities(who.communityId, who.memberId, { limit: activitiesShown }),
      models.openServiceRequests(who.communityId, now, { limit: requestsShown }),
      models.serviceRequests(who.communityId, { memberId: who.memberId }, { limit: ownRequestsRead }),
      models.wishes(who.communityId, { status: 'posted' }, { limit: wishesShown }),
      models.wishes(who.communityId, { status: 'claimed' }, { limit: ownRequestsRead }),
    ]);
    const profile = model.sealedProfile && !model.state.profileErased ? await ledger.vault.open(who.communityId, who.memberId, model.sealedProfile) : null;
    const done = c.req.query('done');
    const error = c.req.query('error');
    return respond(
      c,
      <ResidentPage
        account={accountView(model, now)}
        community={community}
        name={profile?.name ?? null}
        entries={statement.ok && statement.value ? statement.value.entries : []}
        earlier={statement.ok && statement.value ? statement.value.nextCursor : null}
        paged={cursor !== undefined}
        items={items}
        redemptions={redemptions}
        activities={openActivities.items}
        myActivities={mine.items}
        openRequests={openRequests.items}
        myRequests={myRequests.items}
        waitingWishes={waitingWishes.items}
        claimedWishes={claimedWishes.items.filter((w) => w.claimantId === who.memberId)}
        csrf={who.csrf}
        now={now}
        flash={done && doneMessages[done] ? { ok: true, text: doneMessages[done]! } : error ? { ok: false, text: errorMessage(error) } : null}
      />,
    );
  });

  /** After an action: back to the page with a code saying how it went. */
  const back = (c: Context, outcome: { ok: true; done: string } | { ok: false; code: string }) =>
    c.redirect(outcome.ok ? `/app?done=${outcome.done}` : `/app?error=${encodeURIComponent(outcome.code)}`, 303);

  app.post('/app/redeem', async (c) => {
    const { who, form } = await poster(c);
    const quantity = Number(field(form, 'quantity') || '1');
    const result = await runCommand(
      deps,
      who.actor,
      { type: 'RequestRedemption', communityId: who.communityId, memberId: who.memberId, redemptionId: newId('app'), itemId: field(form, 'itemId'), quantity: Number.isInteger(quantity) ? quantity : 1 },
      onceKey(form),
    );
    return back(c, result.ok ? { ok: true, done: 'redeemed' } : { ok: false, code: result.error.code });
  });

  // Activities: sign up (a seat, or the wait list when full) and withdraw, through the same commands as the API.
  app.post('/app/activities/:activityId/sign-up', async (c) => {
    const { who, form } = await poster(c);
    const result = await runCommand(deps, who.actor, { type: 'SignUpForActivity', communityId: who.communityId, activityId: c.req.param('activityId'), memberId: who.memberId }, onceKey(form));
    return back(c, result.ok ? { ok: true, done: 'signed-up' } : { ok: false, code: result.error.code });
  });

  app.post('/app/activities/:activityId/withdraw', async (c) => {
    const { who, form } = await poster(c);
    const result = await runCommand(deps, who.actor, { type: 'WithdrawFromActivity', communityId: who.communityId, activityId: c.req.param('activityId'), memberId: who.memberId }, onceKey(form));
    return back(c, result.ok ? { ok: true, done: 'withdrawn' } : { ok: false, code: result.error.code });
  });

  app.post('/app/redemptions/:redemptionId/cancel', async (c) => {
    const { who, form } = await poster(c);
    const redemptionId = c.req.param('redemptionId');
    // The member cancels only their own: the ledger checks it too, this keeps the refusal in words.
    const found = await (await reads.fresh()).redemption(who.communityId, redemptionId);
    if (!found || found.memberId !== who.memberId) return back(c, { ok: false, code: 'not-found' });
    const result = await runCommand(deps, who.actor, { type: 'CancelRedemption', communityId: who.communityId, redemptionId }, onceKey(form));
    return back(c, result.ok ? { ok: true, done: 'cancelled' } : { ok: false, code: result.error.code });
  });

  app.post('/app/transfer', async (c) => {
    const { who, form } = await poster(c);
    const donate = field(form, 'action') === 'donate';
    const result = await runCommand(
      deps,
      who.actor,
      {
        type: 'RequestTransfer',
        communityId: who.communityId,
        memberId: who.memberId,
        transferId: newId('app'),
        to: donate ? '_pool' : field(form, 'to'),
        points: normalisePoints(field(form, 'points')),
        reason: donate ? 'donation' : 'gift',
      },
      onceKey(form),
    );
    return back(c, result.ok ? { ok: true, done: donate ? 'donated' : 'given' } : { ok: false, code: result.error.code });
  });

  // 邻里互助 and 微心愿: the same commands as the API's, the member's own actor.
  requestRoutes(app, deps, poster, back);

  // The printable certificate: a fresh signed link to the existing certificate page.
  app.get('/app/certificate', async (c) => {
    const who = await viewer(c);
    if (!who) return notSignedIn(c);
    await canReadAccount(ledger, who.actor, who.communityId, who.memberId);
    return c.redirect(deps.certificates.link(who.communityId, who.memberId, ledger.clock.now()).path, 303);
  });

  // Refusals on the resident's pages are pages, not JSON.
  app.onError((thrown, c) => {
    if (thrown instanceof Problem) return message('操作未成功', thrown.code === 'unauthenticated' ? '请先用登录卡登录。' : errorMessage(thrown.code), pageStatus(problemKinds[thrown.code].status), c);
    throw thrown;
  });
}

/** "12" or "12.5" as the ledger's two-place text; anything else is passed on for the ledger to refuse. */
function normalisePoints(text: string): string {
  return /^\d{1,9}(\.\d{1,2})?$/.test(text) ? Number(text).toFixed(2) : text;
}

function Flash(props: { flash: { ok: boolean; text: string } | null }) {
  if (!props.flash) return null;
  return (
    <p class={props.flash.ok ? 'flash' : 'flash error'} role="status">
      {props.flash.text}
    </p>
  );
}

const statusWords: Record<string, string> = { requested: '待处理', held: '已预留，待领取', fulfilling: '正在发放', fulfilled: '已领取', cancelled: '已取消', expired: '已过期', rejected: '未通过' };
const openStatuses = new Set(['requested', 'held', 'fulfilling']);

function ResidentPage(props: {
  account: AccountView;
  community: CommunityState;
  name: string | null;
  entries: readonly StatementEntry[];
  /** The cursor of the next (older) page of the statement, if any. */
  earlier: string | null;
  /** Whether this is an older page of the statement, not the newest. */
  paged: boolean;
  items: readonly CatalogueItemView[];
  redemptions: readonly RedemptionView[];
  activities: readonly ActivityView[];
  myActivities: readonly MemberActivityView[];
  openRequests: readonly ServiceRequestView[];
  myRequests: readonly ServiceRequestView[];
  waitingWishes: readonly WishView[];
  claimedWishes: readonly WishView[];
  csrf: string | null;
  now: Date;
  flash: { ok: boolean; text: string } | null;
}) {
  const { account: a, community, csrf } = props;
  const policy = currentPolicy(community).policy;
  const tz = community.timeZone;
  const horizon = new Date(props.now.getTime() + expiryWarningDays * 86_400_000).toISOString();
  const expiring = a.lots.filter((lot) => lot.expiresAt !== null && lot.expiresAt <= horizon && isPositive(lot.remaining));
  const itemNames = new Map(props.items.map((i) => [i.itemId, i.name]));
  const open = props.redemptions.filter((r) => openStatuses.has(r.status)).reverse();
  const keys = csrf === null ? null : <FormKeys csrf={csrf} />;
  return (
    <Page title="我的志愿积分" lang="zh" bodyClass="resident" header={residentHeader(true, csrf)}>
      <h1>{props.name ? `${props.name}，您好` : '您好'}</h1>
      <p class="note">{community.name}</p>
      <Flash flash={props.flash} />

      <section aria-labelledby="balance">
        <h2 id="balance">我的积分</h2>
        <p>
          现在可以用的积分
          <br />
          <span class="big-number" data-testid="available">
            {a.available}
          </span>{' '}
          分
        </p>
        <div class="facts">
          <div>
            积分余额<strong data-testid="balance">{a.balance}</strong>
          </div>
          <div>
            预留积分（冻结）<strong data-testid="held">{a.held}</strong>
          </div>
        </div>
        <Explanations account={a} />
      </section>

      {expiring.length > 0 ? (
        <section aria-labelledby="expiring">
          <h2 id="expiring">{expiryWarningDays} 天内到期的积分</h2>
          <p>下面这些积分快到期了，到期后会作废，请尽快使用：</p>
          <table>
            <thead>
              <tr>
                <th>获得日期</th>
                <th class="n">剩余积分</th>
                <th>到期日期</th>
              </tr>
            </thead>
            <tbody>
              {expiring.map((lot) => (
                <tr>
                  <td>{dateIn(lot.accruedAt, tz)}</td>
                  <td class="n">{lot.remaining}</td>
                  <td>{dateIn(lot.expiresAt!, tz)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <Level hours={a.hoursTotal} level={a.level} thresholds={policy.levelThresholdsHours} />

      <section aria-labelledby="shop">
        <h2 id="shop">积分超市</h2>
        {props.items.length === 0 ? <p>目前没有可兑换的商品。</p> : null}
        {props.items.map((item) => (
          <div class="card">
            <strong>{item.name}</strong>
            <p>
              {item.pointsCost} 积分{item.available === null ? '（服务项目）' : `，还剩 ${item.available} 件`}
            </p>
            {keys && (item.available === null || item.available > 0) ? (
              <form method="post" action="/app/redeem" data-confirm={`用 ${item.pointsCost} 积分兑换「${item.name}」？`}>
                {keys}
                <input type="hidden" name="itemId" value={item.itemId} />
                <button type="submit" aria-label={`兑换 ${item.name}`}>
                  兑换
                </button>
              </form>
            ) : item.available === 0 ? (
              <p>已兑完</p>
            ) : null}
          </div>
        ))}
        <h3>我的兑换</h3>
        {open.length === 0 ? <p>没有进行中的兑换。</p> : null}
        {open.map((r) => (
          <div class="card" data-testid="open-redemption">
            <strong>{itemNames.get(r.itemId) ?? r.itemId}</strong> × {r.quantity}
            <p>
              {r.points} 积分 · {statusWords[r.status] ?? r.status} · 请在 {dateTimeIn(r.expiresAt, tz)} 前领取
            </p>
            {keys && (r.status === 'requested' || r.status === 'held') ? (
              <form method="post" action={`/app/redemptions/${encodeURIComponent(r.redemptionId)}/cancel`} data-confirm="确定取消这次兑换吗？">
                {keys}
                <button class="danger" type="submit" aria-label={`取消兑换 ${itemNames.get(r.itemId) ?? r.itemId}`}>
                  取消
                </button>
              </form>
            ) : null}
          </div>
        ))}
      </section>

      {keys && policy.transfers.allowed ? <Giving keys={keys} recipients={policy.transfers.recipients} dailyLimit={policy.transfers.dailyLimit} /> : null}

      <Activities activities={props.activities} mine={props.myActivities} keys={keys} timeZone={tz} />

      <ServiceRequests
        open={props.openRequests}
        mine={props.myRequests}
        memberId={a.memberId}
        categories={community.categories}
        keys={keys}
        timeZone={tz}
        today={todayIn(props.now, tz)}
      />

      <Wishes waiting={props.waitingWishes} claimed={props.claimedWishes} keys={keys} />

      <section aria-labelledby="certificate">
        <h2 id="certificate">志愿服务证明</h2>
        <p>打开后可以打印，证明上有二维码，别人扫码就能核验。</p>
        <a class="button" href="/app/certificate">
          打开我的服务证明
        </a>
      </section>

      <section aria-labelledby="statement">
        <h2 id="statement">{props.paged ? '更早的积分明细' : `积分明细（最近 ${statementLinesShown} 条）`}</h2>
        {props.entries.length === 0 ? <p>还没有积分记录。</p> : null}
        <table class="stack">
          <thead>
            <tr>
              <th>时间</th>
              <th>事项</th>
              <th class="n">积分</th>
              <th class="n">余额</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr>
                <td>{dateTimeIn(e.recordedAt, tz)}</td>
                <td>{e.description}</td>
                <td class="n" data-label="积分">
                  {e.amount.startsWith('-') || !isPositive(e.amount) ? e.amount : `+${e.amount}`}
                </td>
                <td class="n" data-label="余额">
                  {e.runningBalance}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.earlier ? (
          <p>
            <a class="button secondary" href={`/app?before=${encodeURIComponent(props.earlier)}#statement`}>
              更早的记录
            </a>
          </p>
        ) : null}
      </section>
    </Page>
  );
}

function Explanations(props: { account: AccountView }) {
  const a = props.account;
  const lines: string[] = [];
  if (isPositive(a.deficit)) {
    lines.push(`您目前欠 ${a.deficit} 积分：已经用掉的积分所对应的服务时长后来被撤销了。以后获得的积分会先用来补足欠分，补足之前暂时不能兑换或转赠。`);
  }
  if (isPositive(a.held)) lines.push(`有 ${a.held} 积分为您预留着（冻结）：兑换的领取后扣除，互助需求的悬赏在您确认服务后付给志愿者；取消或过期后退回。`);
  if (isPositive(a.locked)) lines.push(`有 ${a.locked} 积分刚获得，还在锁定期内，过几天就可以用了。`);
  if (lines.length === 0) lines.push('您的积分都可以使用。');
  return (
    <div data-testid="explanations">
      {lines.map((line) => (
        <p>{line}</p>
      ))}
    </div>
  );
}

function Level(props: { hours: string; level: number; thresholds: readonly string[] }) {
  const hours = Number(props.hours);
  const next = props.thresholds[props.level];
  const previous = props.level > 0 ? Number(props.thresholds[props.level - 1]) : 0;
  return (
    <section aria-labelledby="level">
      <h2 id="level">星级</h2>
      <p>
        累计服务 <strong>{props.hours}</strong> 小时，{props.level > 0 ? `已是 ${props.level} 星志愿者` : '还没有星级'}。
      </p>
      {next === undefined ? (
        <p>您已达到最高星级，谢谢您！</p>
      ) : (
        <>
          <label for="level-progress">
            离 {props.level + 1} 星（{Number(next)} 小时）还差 {(Number(next) - hours).toFixed(2)} 小时
          </label>
          <progress id="level-progress" max={Number(next) - previous} value={Math.max(0, hours - previous)}>
            {Math.round(((hours - previous) / (Number(next) - previous)) * 100)}%
          </progress>
        </>
      )}
    </section>
  );
}

function Giving(props: { keys: unknown; recipients: 'anyone' | 'family' | 'pool'; dailyLimit: string | null }) {
  const who = props.recipients === 'family' ? '家人' : '家人或邻居';
  return (
    <section aria-labelledby="giving">
      <h2 id="giving">{props.recipients === 'pool' ? '捐赠积分' : '转赠与捐赠'}</h2>
      {props.dailyLimit ? <p class="note">每天最多转出 {props.dailyLimit} 积分。</p> : null}
      {props.recipients !== 'pool' ? (
        <form method="post" action="/app/transfer" data-confirm="确定转赠吗？转出后不能撤回。">
          {props.keys}
          <input type="hidden" name="action" value="give" />
          <label for="give-to">转赠给{who}（填写对方的编号）</label>
          <input id="give-to" name="to" required autocomplete="off" />
          <label for="give-points">积分数</label>
          <input id="give-points" name="points" inputmode="decimal" required />
          <p>
            <button type="submit">转赠</button>
          </p>
        </form>
      ) : null}
      <form method="post" action="/app/transfer" data-confirm="确定捐赠给爱心积分池吗？">
        {props.keys}
        <input type="hidden" name="action" value="donate" />
        <label for="donate-points">捐给爱心积分池的积分数</label>
        <input id="donate-points" name="points" inputmode="decimal" required />
        <p>
          <button type="submit">捐赠</button>
        </p>
      </form>
    </section>
  );
}

/** Open activities a resident may join, and where they stand with each (seat, wait list, attended). */
function Activities(props: { activities: readonly ActivityView[]; mine: readonly MemberActivityView[]; keys: unknown; timeZone: string }) {
  const standing = new Map(props.mine.map((m) => [m.activity.activityId, m.attendance]));
  const listed = new Set(props.activities.map((a) => a.activityId));
  const past = props.mine.filter((m) => !listed.has(m.activity.activityId) && m.attendance.signUp !== 'none');
  return (
    <section aria-labelledby="activities">
      <h2 id="activities">志愿活动</h2>
      {props.activities.length === 0 ? <p>目前没有可以报名的活动。</p> : null}
      {props.activities.map((a) => {
        const me = standing.get(a.activityId);
        const signedUp = me !== undefined && me.signUp !== 'none';
        return (
          <div class="card" data-testid="activity">
            <strong>{a.title}</strong>
            <p>
              {dateTimeIn(a.startsAt, props.timeZone)} 至 {dateTimeIn(a.endsAt, props.timeZone).slice(11)} · {a.place}
            </p>
            <p>{a.seatsLeft > 0 ? `还有 ${a.seatsLeft} 个名额` : `名额已满，候补 ${a.waitListLength} 人`}</p>
            {me?.signUp === 'seat' ? <p data-testid="my-seat">您已报名。</p> : null}
            {me?.signUp === 'wait-list' ? <p data-testid="my-wait">您在候补名单第 {me.waitListPosition} 位。</p> : null}
            {props.keys && a.status === 'published' ? (
              signedUp ? (
                <form method="post" action={`/app/activities/${encodeURIComponent(a.activityId)}/withdraw`} data-confirm={`确定取消报名「${a.title}」吗？`}>
                  {props.keys}
                  <button class="danger" type="submit" aria-label={`取消报名 ${a.title}`}>
                    取消报名
                  </button>
                </form>
              ) : (
                <form method="post" action={`/app/activities/${encodeURIComponent(a.activityId)}/sign-up`}>
                  {props.keys}
                  <button type="submit" aria-label={`报名 ${a.title}`}>
                    {a.seatsLeft > 0 ? '报名' : '排候补'}
                  </button>
                </form>
              )
            ) : null}
          </div>
        );
      })}
      {past.length > 0 ? (
        <>
          <h3>我参加过的活动</h3>
          {past.map((m) => (
            <p>
              {m.activity.title}（{dateIn(m.activity.startsAt, props.timeZone)}）
              {m.attendance.outcome?.kind === 'recorded' ? ` · 记录服务 ${m.attendance.outcome.hours} 小时` : ''}
            </p>
          ))}
        </>
      ) : null}
    </section>
  );
}
