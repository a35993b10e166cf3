/** @jsxImportSource hono/jsx */
/**
 * The organiser console (/console, zh-CN with an English toggle): the approval queue with bulk approve /
 * reject and reversal; members (register, profile, erasure, sign-in cards); the shop (list, restock,
 * reprice, delist, fulfil). An organiser signs in once with their API key or JWT; the session then acts
 * with that credential's actor, and every action is the same ledger command the API runs.
 */
import type { Actor, RecordView } from '@volunteer-ledger/core';
import type { Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { canReadAsStaff } from '../access.js';
import { qrCodeSvg } from '../certificates.js';
import { Problem, problemKinds } from '../problems.js';
import { publicOrigin } from '../routes/certificates.js';
import { dateTimeIn } from './format.js';
import { FormKeys, langCookie, langOf, Page, pageStatus, respond, type T, translator } from './layout.js';
import { reportRoutes } from './reports.js';
import { organiserSessionTtlMs, type UiSession } from './sessions.js';
import { addressKey, clientAddress, communityKey, type SignInLimiter } from './sign-in-limit.js';
import { checkCsrf, checkOrigin, clearSessionCookie, type Done, field, fields, type Form, onceKey, readForm, runCommand, sessionOf, setSessionCookie, type UiDeps } from './web.js';

/** Members listed on one page of the console. */
export const membersPageSize = 100;
/** Most records one bulk approval decides (each is its own command). */
export const maxBulkRecords = 1000;

export interface ConsoleContext {
  readonly session: UiSession;
  readonly t: T;
  readonly lang: 'zh' | 'en';
}

const sections = [
  ['/console', '审核', 'Approvals'],
  ['/console/members', '成员', 'Members'],
  ['/console/shop', '积分超市', 'Shop'],
  ['/console/reports', '报表', 'Reports'],
] as const;

export function ConsoleHeader(props: { c: Context; cx: ConsoleContext | null }) {
  const { c, cx } = props;
  const lang = cx?.lang ?? langOf(c);
  const t = translator(lang);
  const here = c.req.path;
  return (
    <header class="bar">
      <span class="title">{t('志愿积分 · 管理台', 'Volunteer ledger · Console')}</span>
      {cx ? (
        <nav aria-label={t('栏目', 'Sections')} class="row">
          {sections.map(([href, zh, en]) => (
            <a href={href} aria-current={here === href ? 'page' : undefined}>
              {t(zh, en)}
            </a>
          ))}
        </nav>
      ) : null}
      <a href={`/console/lang?to=${lang === 'en' ? 'zh' : 'en'}&back=${encodeURIComponent(here)}`} lang={lang === 'en' ? 'zh-CN' : 'en'}>
        {lang === 'en' ? '中文' : 'English'}
      </a>
      {cx ? (
        <form class="inline" method="post" action="/console/sign-out">
          <input type="hidden" name="_csrf" value={cx.session.csrfToken} />
          <button class="secondary" type="submit">
            {t('退出', 'Sign out')}
          </button>
        </form>
      ) : null}
    </header>
  );
}

export function ConsolePage(props: { c: Context; cx: ConsoleContext | null; title: string; children?: Child }) {
  return (
    <Page title={props.title} lang={props.cx?.lang ?? langOf(props.c)} bodyClass="console" header={<ConsoleHeader c={props.c} cx={props.cx} />}>
      {props.children}
    </Page>
  );
}

function Flash(props: { c: Context; t: T }) {
  const done = props.c.req.query('done');
  if (!done) return null;
  const count = props.c.req.query('count');
  const words: Record<string, [string, string]> = {
    approved: [`${count ?? ''} 条记录已审核通过`, `${count ?? ''} records approved`],
    rejected: [`${count ?? ''} 条记录已驳回`, `${count ?? ''} records rejected`],
    ok: ['已完成', 'Done'],
  };
  const [zh, en] = words[done] ?? words.ok!;
  return (
    <p class="flash" role="status">
      {props.t(zh, en)}
    </p>
  );
}

export function consoleRoutes(app: Hono, deps: UiDeps, limiter: SignInLimiter): void {
  const { ledger, reads, sessions } = deps;

  async function consoleContext(c: Context): Promise<ConsoleContext | null> {
    const found = await sessionOf(c, deps, 'organiser');
    if (!found) return null;
    const lang = langOf(c);
    return { session: found.session, lang, t: translator(lang) };
  }

  /** The console's pages need an organiser session; without one a GET goes to the sign-in form. */
  async function staff(c: Context): Promise<ConsoleContext | Response> {
    const cx = await consoleContext(c);
    if (!cx) {
      if (c.req.method === 'GET') return c.redirect('/console/sign-in', 303);
      throw new Problem('unauthenticated', 'sign in to the console first');
    }
    // Appointment can be withdrawn after sign-in: the core's read rule is asked on every request.
    await canReadAsStaff(ledger, cx.session.actor, cx.session.communityId);
    return cx;
  }

  async function staffPost(c: Context): Promise<{ cx: ConsoleContext; form: Form } | Response> {
    checkOrigin(c);
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const form = await readForm(c);
    checkCsrf(form, cx.session.csrfToken);
    return { cx, form };
  }

  /** After one command: back to the page, or a page saying why not. */
  async function after(c: Context, cx: ConsoleContext, done: Done, backTo: string): Promise<Response> {
    if (done.ok) return c.redirect(`${backTo}${backTo.includes('?') ? '&' : '?'}done=ok`, 303);
    return refusal(c, cx, done.error.code, done.error.message, backTo);
  }

  function refusal(c: Context, cx: ConsoleContext | null, code: string, detail: string, backTo: string): Promise<Response> {
    const t = cx?.t ?? translator(langOf(c));
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('未完成', 'Not done')}>
        <h1>{t('操作未完成', 'This was not done')}</h1>
        <p class="flash error" role="alert">
          {detail} ({code})
        </p>
        <a href={backTo}>{t('返回', 'Back')}</a>
      </ConsolePage>,
      pageStatus(problemKinds[code as keyof typeof problemKinds]?.status ?? 422),
    );
  }

  // ── Signing in ──
  const signInPage = (c: Context, error: string | null, status: 200 | 401 | 403 | 429 = 200) => {
    const t = translator(langOf(c));
    return respond(
      c,
      <ConsolePage c={c} cx={null} title={t('管理台登录', 'Console sign-in')}>
        <h1>{t('管理台登录', 'Sign in to the console')}</h1>
        {error ? (
          <p class="flash error" role="alert">
            {error}
          </p>
        ) : null}
        <form method="post" action="/console/sign-in">
          <label for="credential">{t('API 密钥或 JWT', 'API key or JWT')}</label>
          <input id="credential" name="credential" type="password" autocomplete="off" required size={60} />
          <label for="community">{t('社区编号（平台管理员密钥需要填写）', 'Community id (needed with a platform admin key)')}</label>
          <input id="community" name="community" autocomplete="off" />
          <p>
            <button type="submit">{t('登录', 'Sign in')}</button>
          </p>
        </form>
        <p class="note">
          {t(
            '第一次使用：运行 `ledger admin-key create` 得到管理员密钥，或用组织者的 JWT。密钥只在这里用一次，之后由会话代替。',
            'First time: run `ledger admin-key create` for an admin key, or use an organiser JWT. The key is used once here; a session takes over.',
          )}
        </p>
      </ConsolePage>,
      status,
    );
  };

  app.get('/console/sign-in', (c) => signInPage(c, null));
  app.post('/console/sign-in', async (c) => {
    checkOrigin(c);
    const form = await readForm(c);
    const t = translator(langOf(c));
    // Keys cannot be guessed at speed: failures count per address and per community named, successes never.
    const named = field(form, 'community');
    const limited = [addressKey(clientAddress(c)), ...(named ? [communityKey(named)] : [])];
    const wait = limiter.retryAfterSeconds(limited);
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return signInPage(c, t(`登录失败次数太多，请 ${Math.ceil(wait / 60)} 分钟后再试。`, `Too many failed sign-ins; try again in ${Math.ceil(wait / 60)} minutes.`), 429);
    }
    const failed = (error: string, status: 401 | 403, community?: string) => {
      limiter.failed(community && community !== named ? [...limited, communityKey(community)] : limited);
      return signInPage(c, error, status);
    };
    let actor: Actor;
    let credentialId: string;
    try {
      ({ actor, credentialId } = await deps.authenticator.authenticate(`Bearer ${field(form, 'credential')}`));
    } catch (thrown) {
      if (thrown instanceof Problem) return failed(t('密钥或令牌无效：', 'The key or token was refused: ') + thrown.detail, 401);
      throw thrown;
    }
    const communityId = actor.communityId === '*' ? named : actor.communityId;
    if (actor.role !== 'organiser' && actor.role !== 'admin') return failed(t('只有组织者和管理员可以使用管理台。', 'Only organisers and admins may use the console.'), 403, communityId);
    if (!communityId) return failed(t('平台管理员密钥需要填写社区编号。', 'A platform admin key needs the community id.'), 401);
    const refused = await ledger.authorizeRead(actor, { kind: 'community-wide', communityId });
    if (refused) return failed(refused.message, 403, communityId);
    if (!(await (await reads.fresh()).community(communityId))) return failed(t(`没有社区 ${communityId}。`, `There is no community ${communityId}.`), 403);
    const { session, token } = await sessions.startSession({ kind: 'organiser', actor, communityId, credentialId, now: ledger.clock.now(), ttlMs: organiserSessionTtlMs });
    setSessionCookie(c, deps, 'organiser', token, session.expiresAt);
    return c.redirect('/console', 303);
  });

  app.post('/console/sign-out', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const found = await sessionOf(c, deps, 'organiser');
    if (found) await sessions.endSession(found.token);
    clearSessionCookie(c, deps, 'organiser');
    return c.redirect('/console/sign-in', 303);
  });

  app.get('/console/lang', (c) => {
    const to = c.req.query('to') === 'en' ? 'en' : 'zh';
    setCookie(c, langCookie, to, { path: '/console', sameSite: 'Strict', httpOnly: true, maxAge: 365 * 86_400 });
    const back = c.req.query('back') ?? '/console';
    // Only back into the console: never an open redirect.
    return c.redirect(/^\/console(\/[\w/.-]*)?$/.test(back) ? back : '/console', 303);
  });

  // ── Approvals ──
  app.get('/console', async (c) => {
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const { t, session } = cx;
    const status = c.req.query('status') === 'approved' ? 'approved' : 'pending';
    const models = await reads.fresh();
    const [community, records] = await Promise.all([models.community(session.communityId), models.serviceRecords(session.communityId, { status })]);
    const categories = community?.categories ?? new Map<string, { name: string }>();
    const category = (id: string) => categories.get(id)?.name ?? id;
    const tz = community?.timeZone ?? 'UTC';
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('审核服务记录', 'Service record approvals')}>
        <h1>{status === 'pending' ? t('待审核的服务记录', 'Service records awaiting approval') : t('已通过的服务记录', 'Approved service records')}</h1>
        <p class="note">
          {community?.name} ·{' '}
          {status === 'pending' ? <a href="/console?status=approved">{t('已通过的记录（可撤销）', 'Approved records (to reverse)')}</a> : <a href="/console">{t('待审核', 'Pending')}</a>}
        </p>
        <Flash c={c} t={t} />
        {records.length === 0 ? <p>{t('没有记录。', 'No records.')}</p> : null}
        {status === 'pending' && records.length > 0 ? <BulkForm t={t} csrf={session.csrfToken} records={records} category={category} tz={tz} /> : null}
        {status === 'approved' && records.length > 0 ? <ReverseTable t={t} csrf={session.csrfToken} records={records} category={category} /> : null}
      </ConsolePage>,
    );
  });

  app.post('/console/records/bulk', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const approve = field(form, 'action') !== 'reject';
    const reason = field(form, 'reason');
    const chosen = fields(form, 'record');
    if (chosen.length === 0) return refusal(c, cx, 'validation', cx.t('没有选择任何记录。', 'No record was chosen.'), '/console');
    if (chosen.length > maxBulkRecords) return refusal(c, cx, 'validation', cx.t(`一次最多处理 ${maxBulkRecords} 条记录。`, `At most ${maxBulkRecords} records at a time.`), '/console');
    if (!approve && !reason) return refusal(c, cx, 'validation', cx.t('驳回需要填写原因。', 'A rejection needs a reason.'), '/console');
    const failures: Array<{ record: string; code: string; message: string }> = [];
    for (const value of chosen) {
      const [memberId = '', recordId = ''] = value.split('/');
      const command = approve
        ? { type: 'ApproveService', communityId: cx.session.communityId, memberId, recordId }
        : { type: 'RejectService', communityId: cx.session.communityId, memberId, recordId, reason };
      // One once-key per form, one idempotency key per record: a resubmitted form decides nothing twice.
      const done = await runCommand(deps, cx.session.actor, command, onceKey(form, `:${memberId}:${recordId}`));
      if (!done.ok) failures.push({ record: value, code: done.error.code, message: done.error.message });
    }
    const succeeded = chosen.length - failures.length;
    if (failures.length === 0) return c.redirect(`/console?done=${approve ? 'approved' : 'rejected'}&count=${succeeded}`, 303);
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={cx.t('部分未完成', 'Partly done')}>
        <h1>{cx.t(`${succeeded} 条已完成，${failures.length} 条未完成`, `${succeeded} done, ${failures.length} not done`)}</h1>
        <table>
          <tbody>
            {failures.map((f) => (
              <tr>
                <td>{f.record}</td>
                <td>
                  {f.message} ({f.code})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <a href="/console">{cx.t('返回', 'Back')}</a>
      </ConsolePage>,
      422,
    );
  });

  app.post('/console/records/reverse', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const done = await runCommand(
      deps,
      cx.session.actor,
      { type: 'ReverseService', communityId: cx.session.communityId, memberId: field(form, 'memberId'), recordId: field(form, 'recordId'), reason: field(form, 'reason') },
      onceKey(form),
    );
    return after(c, cx, done, '/console?status=approved');
  });

  // ── Members ──
  app.get('/console/members', async (c) => {
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const { t, session } = cx;
    const after = c.req.query('after');
    const members = await (await reads.fresh()).members(session.communityId, { limit: membersPageSize, ...(after ? { after } : {}) });
    const names = await Promise.all(
      members.map((m) => (m.sealedProfile && !m.state.profileErased ? ledger.vault.open(session.communityId, m.memberId, m.sealedProfile).then((p) => p?.name ?? '') : Promise.resolve(''))),
    );
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('成员', 'Members')}>
        <h1>{t('成员', 'Members')}</h1>
        <Flash c={c} t={t} />
        <table>
          <thead>
            <tr>
              <th>{t('编号', 'Id')}</th>
              <th>{t('姓名', 'Name')}</th>
              <th class="n">{t('余额', 'Balance')}</th>
              <th class="n">{t('时长', 'Hours')}</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m, i) => (
              <tr>
                <td>
                  <a href={`/console/members/${encodeURIComponent(m.memberId)}`}>{m.memberId}</a>
                </td>
                <td>{m.state.profileErased ? t('（已删除）', '(erased)') : names[i]}</td>
                <td class="n">{m.state.balance.toString()}</td>
                <td class="n">{m.state.hoursTotal.toString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {members.length === membersPageSize ? <a href={`/console/members?after=${encodeURIComponent(members.at(-1)!.memberId)}`}>{t('下一页', 'Next page')}</a> : null}
        <h2>{t('登记新成员', 'Register a member')}</h2>
        <form method="post" action="/console/members">
          <FormKeys csrf={session.csrfToken} />
          <div class="row">
            <div>
              <label for="m-id">{t('编号', 'Member id')}</label>
              <input id="m-id" name="memberId" required pattern="[A-Za-z0-9_.:\-]{1,64}" />
            </div>
            <div>
              <label for="m-name">{t('姓名', 'Name')}</label>
              <input id="m-name" name="name" />
            </div>
            <div>
              <label for="m-phone">{t('电话', 'Phone')}</label>
              <input id="m-phone" name="phone" inputmode="tel" />
            </div>
            <div>
              <label for="m-building">{t('楼栋', 'Building')}</label>
              <input id="m-building" name="building" />
            </div>
            <div>
              <label for="m-household">{t('家庭编号（可选）', 'Household id (optional)')}</label>
              <input id="m-household" name="householdId" />
            </div>
            <button type="submit">{t('登记', 'Register')}</button>
          </div>
        </form>
      </ConsolePage>,
    );
  });

  const profileOf = (form: Form) => {
    const profile: Record<string, string> = {};
    for (const name of ['name', 'phone', 'idNumber']) if (field(form, name)) profile[name] = field(form, name);
    return profile;
  };

  app.post('/console/members', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const profile = profileOf(form);
    const command: Record<string, unknown> & { type: string } = { type: 'RegisterMember', communityId: cx.session.communityId, memberId: field(form, 'memberId') };
    if (Object.keys(profile).length > 0) command.profile = profile;
    for (const name of ['building', 'householdId']) if (field(form, name)) command[name] = field(form, name);
    return after(c, cx, await runCommand(deps, cx.session.actor, command, onceKey(form)), `/console/members/${encodeURIComponent(field(form, 'memberId'))}`);
  });

  app.get('/console/members/:memberId', async (c) => {
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const { t, session } = cx;
    const memberId = c.req.param('memberId');
    const models = await reads.fresh();
    const [model, community] = await Promise.all([models.member(session.communityId, memberId), models.community(session.communityId)]);
    if (!model) return refusal(c, cx, 'not-found', t(`没有成员 ${memberId}`, `There is no member ${memberId}`), '/console/members');
    const profile = model.sealedProfile && !model.state.profileErased ? await ledger.vault.open(session.communityId, memberId, model.sealedProfile) : null;
    const cards = await sessions.cards(session.communityId, memberId);
    const tz = community?.timeZone ?? 'UTC';
    const now = ledger.clock.now().toISOString();
    const cardState = (card: (typeof cards)[number]) =>
      card.revokedAt ? t('已作废', 'revoked') : card.usedAt ? t('已使用', 'used') : card.expiresAt <= now ? t('已过期', 'expired') : t('未使用', 'unused');
    const base = `/console/members/${encodeURIComponent(memberId)}`;
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={`${t('成员', 'Member')} ${memberId}`}>
        <h1>
          {t('成员', 'Member')} {memberId}
        </h1>
        <Flash c={c} t={t} />
        <dl>
          <dt>{t('姓名', 'Name')}</dt>
          <dd>{model.state.profileErased ? t('个人信息已删除', 'personal data erased') : (profile?.name ?? '—')}</dd>
          <dt>{t('电话', 'Phone')}</dt>
          <dd>{profile?.phone ?? '—'}</dd>
          <dt>{t('余额 / 冻结 / 欠分', 'Balance / held / deficit')}</dt>
          <dd>
            {model.state.balance.toString()} / {model.state.held.toString()} / {model.state.deficit.toString()}
          </dd>
          <dt>{t('累计时长 / 星级', 'Hours / level')}</dt>
          <dd>
            {model.state.hoursTotal.toString()} / {model.state.level}
          </dd>
        </dl>

        <h2>{t('登录卡', 'Sign-in cards')}</h2>
        <p class="note">{t('登录卡是一次性、有有效期的链接，居民扫码后即可在手机上查看积分。', 'A sign-in card is a one-time, expiring link: the resident scans it to open their page on the phone.')}</p>
        <form method="post" action={`${base}/cards`}>
          <FormKeys csrf={session.csrfToken} />
          <button type="submit">{t('制作登录卡', 'Make a sign-in card')}</button>
        </form>
        {cards.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>{t('卡号', 'Card')}</th>
                <th>{t('制作时间', 'Made')}</th>
                <th>{t('有效期至', 'Expires')}</th>
                <th>{t('状态', 'State')}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {cards.map((card) => (
                <tr>
                  <td>{card.cardId}</td>
                  <td>{dateTimeIn(card.createdAt, tz)}</td>
                  <td>{dateTimeIn(card.expiresAt, tz)}</td>
                  <td>{cardState(card)}</td>
                  <td>
                    {card.revokedAt ? null : (
                      <form class="inline" method="post" action={`${base}/cards/${card.cardId}/revoke`} data-confirm={t('作废这张卡？用它登录的手机也会退出。', 'Revoke this card? Phones signed in with it are signed out.')}>
                        <FormKeys csrf={session.csrfToken} />
                        <button class="danger" type="submit">
                          {t('作废', 'Revoke')}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}

        {model.state.profileErased ? null : (
          <>
            <h2>{t('个人信息', 'Personal data')}</h2>
            <form method="post" action={`${base}/profile`}>
              <FormKeys csrf={session.csrfToken} />
              <div class="row">
                <div>
                  <label for="p-name">{t('姓名', 'Name')}</label>
                  <input id="p-name" name="name" value={profile?.name ?? ''} />
                </div>
                <div>
                  <label for="p-phone">{t('电话', 'Phone')}</label>
                  <input id="p-phone" name="phone" value={profile?.phone ?? ''} />
                </div>
                <button type="submit">{t('保存', 'Save')}</button>
              </div>
            </form>
            <h2>{t('删除个人信息', 'Erase personal data')}</h2>
            <p class="note">{t('删除后姓名、电话等无法恢复；积分和时长记录保留。', 'Name, phone and the rest are gone for good; points and hours stay on the books.')}</p>
            <form method="post" action={`${base}/erasure`} data-confirm={t('确定删除此人的个人信息？无法恢复。', "Erase this person's personal data? This cannot be undone.")}>
              <FormKeys csrf={session.csrfToken} />
              <label for="e-reason">{t('原因', 'Reason')}</label>
              <input id="e-reason" name="reason" required />
              <button class="danger" type="submit">
                {t('删除', 'Erase')}
              </button>
            </form>
          </>
        )}
      </ConsolePage>,
    );
  });

  app.post('/console/members/:memberId/profile', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const memberId = c.req.param('memberId');
    const done = await runCommand(deps, cx.session.actor, { type: 'RecordProfile', communityId: cx.session.communityId, memberId, profile: profileOf(form) }, onceKey(form));
    return after(c, cx, done, `/console/members/${encodeURIComponent(memberId)}`);
  });

  app.post('/console/members/:memberId/erasure', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const memberId = c.req.param('memberId');
    const done = await runCommand(deps, cx.session.actor, { type: 'ErasePersonalData', communityId: cx.session.communityId, memberId, reason: field(form, 'reason') }, onceKey(form));
    return after(c, cx, done, `/console/members/${encodeURIComponent(memberId)}`);
  });

  // A card is shown once, in the answer to the POST that made it: its link is in no URL the console visits.
  app.post('/console/members/:memberId/cards', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx } = got;
    const { t, session } = cx;
    const memberId = c.req.param('memberId');
    const models = await reads.fresh();
    const [model, community] = await Promise.all([models.member(session.communityId, memberId), models.community(session.communityId)]);
    if (!model) return refusal(c, cx, 'not-found', t(`没有成员 ${memberId}`, `There is no member ${memberId}`), '/console/members');
    const { card, token } = await sessions.createCard({ communityId: session.communityId, memberId, createdBy: session.actor.id, now: ledger.clock.now() });
    const url = `${publicOrigin(c as never, deps)}/app/card/${token}`;
    const profile = model.sealedProfile && !model.state.profileErased ? await ledger.vault.open(session.communityId, memberId, model.sealedProfile) : null;
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('登录卡', 'Sign-in card')}>
        <p class="no-print">
          <button type="button" data-print hidden>
            {t('打印', 'Print')}
          </button>{' '}
          <a href={`/console/members/${encodeURIComponent(memberId)}`}>{t('返回', 'Back')}</a>
        </p>
        <div class="print-card">
          <h1>{community?.name ?? ''}</h1>
          <p>
            <strong>{profile?.name ?? memberId}</strong> 的志愿积分登录卡
          </p>
          <div class="qr" role="img" aria-label="登录二维码 sign-in QR code">
            {raw(qrCodeSvg(url))}
          </div>
          <p>用手机扫描二维码，点“进入我的积分”。此卡只能使用一次，请于 {dateTimeIn(card.expiresAt, community?.timeZone ?? 'UTC')} 前使用。</p>
          <p class="note url">
            <a href={url} data-testid="card-link">
              {url}
            </a>
          </p>
        </div>
      </ConsolePage>,
    );
  });

  app.post('/console/members/:memberId/cards/:cardId/revoke', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx } = got;
    const memberId = c.req.param('memberId');
    const revoked = await sessions.revokeCard(cx.session.communityId, c.req.param('cardId'), ledger.clock.now());
    const back = `/console/members/${encodeURIComponent(memberId)}`;
    return revoked ? c.redirect(`${back}?done=ok`, 303) : refusal(c, cx, 'not-found', cx.t('没有这张卡，或已作废。', 'No such card, or it is already revoked.'), back);
  });

  // ── Shop ──
  app.get('/console/shop', async (c) => {
    const cx = await staff(c);
    if (cx instanceof Response) return cx;
    const { t, session } = cx;
    const models = await reads.fresh();
    const [items, open, community] = await Promise.all([
      models.catalogue(session.communityId, { includeDelisted: true }),
      models.redemptions(session.communityId, { status: 'held' }),
      models.community(session.communityId),
    ]);
    const names = new Map(items.map((i) => [i.itemId, i.name]));
    const tz = community?.timeZone ?? 'UTC';
    const keys = <FormKeys csrf={session.csrfToken} />;
    return respond(
      c,
      <ConsolePage c={c} cx={cx} title={t('积分超市', 'Shop')}>
        <h1>{t('积分超市', 'Rewards shop')}</h1>
        <Flash c={c} t={t} />
        <h2>{t('待领取的兑换', 'Redemptions to hand over')}</h2>
        {open.length === 0 ? <p>{t('没有待领取的兑换。', 'Nothing to hand over.')}</p> : null}
        {open.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>{t('成员', 'Member')}</th>
                <th>{t('商品', 'Item')}</th>
                <th class="n">{t('积分', 'Points')}</th>
                <th>{t('期限', 'Expires')}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {open.map((r) => (
                <tr>
                  <td>{r.memberId}</td>
                  <td>
                    {names.get(r.itemId) ?? r.itemId} × {r.quantity}
                  </td>
                  <td class="n">{r.points}</td>
                  <td>{dateTimeIn(r.expiresAt, tz)}</td>
                  <td>
                    <form class="inline" method="post" action={`/console/redemptions/${encodeURIComponent(r.redemptionId)}/fulfil`}>
                      {keys}
                      <button type="submit">{t('发放', 'Hand over')}</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <h2>{t('商品', 'Items')}</h2>
        <table>
          <thead>
            <tr>
              <th>{t('商品', 'Item')}</th>
              <th class="n">{t('积分', 'Points')}</th>
              <th class="n">{t('库存', 'Available')}</th>
              <th>{t('操作', 'Actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const base = `/console/shop/items/${encodeURIComponent(item.itemId)}`;
              return (
                <tr>
                  <td>
                    {item.name} <span class="note">({item.itemId})</span>
                    {item.active ? null : <strong> · {t('已下架', 'delisted')}</strong>}
                  </td>
                  <td class="n">{item.pointsCost}</td>
                  <td class="n">{item.available ?? t('服务', 'service')}</td>
                  <td>
                    {item.active ? (
                      <div class="row">
                        {item.kind === 'goods' ? (
                          <form class="row" method="post" action={`${base}/restock`}>
                            {keys}
                            <label class="visually-hidden" for={`q-${item.itemId}`}>
                              {t('补货数量', 'Quantity to add')}
                            </label>
                            <input id={`q-${item.itemId}`} name="quantity" inputmode="numeric" size={4} required />
                            <button type="submit">{t('补货', 'Restock')}</button>
                          </form>
                        ) : null}
                        <form class="row" method="post" action={`${base}/reprice`}>
                          {keys}
                          <label class="visually-hidden" for={`p-${item.itemId}`}>
                            {t('新积分价', 'New points cost')}
                          </label>
                          <input id={`p-${item.itemId}`} name="pointsCost" inputmode="decimal" size={6} required />
                          <button type="submit">{t('改价', 'Reprice')}</button>
                        </form>
                        <form class="inline" method="post" action={`${base}/delist`} data-confirm={t('下架这件商品？', 'Delist this item?')}>
                          {keys}
                          <button class="danger" type="submit">
                            {t('下架', 'Delist')}
                          </button>
                        </form>
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h2>{t('上架新商品', 'List an item')}</h2>
        <form method="post" action="/console/shop/items">
          {keys}
          <div class="row">
            <div>
              <label for="i-id">{t('编号', 'Item id')}</label>
              <input id="i-id" name="itemId" required />
            </div>
            <div>
              <label for="i-name">{t('名称', 'Name')}</label>
              <input id="i-name" name="name" required />
            </div>
            <div>
              <label for="i-kind">{t('类型', 'Kind')}</label>
              <select id="i-kind" name="kind">
                <option value="goods">{t('实物', 'Goods')}</option>
                <option value="service">{t('服务', 'Service')}</option>
              </select>
            </div>
            <div>
              <label for="i-cost">{t('积分价', 'Points cost')}</label>
              <input id="i-cost" name="pointsCost" inputmode="decimal" required />
            </div>
            <div>
              <label for="i-stock">{t('库存（实物）', 'Stock (goods)')}</label>
              <input id="i-stock" name="stock" inputmode="numeric" />
            </div>
            <button type="submit">{t('上架', 'List')}</button>
          </div>
        </form>
      </ConsolePage>,
    );
  });

  const points = (text: string) => (/^\d{1,9}(\.\d{1,2})?$/.test(text) ? Number(text).toFixed(2) : text);
  const integer = (text: string) => (/^\d{1,9}$/.test(text) ? Number(text) : text);

  app.post('/console/shop/items', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const command: Record<string, unknown> & { type: string } = {
      type: 'ListItem',
      communityId: cx.session.communityId,
      itemId: field(form, 'itemId'),
      name: field(form, 'name'),
      kind: field(form, 'kind'),
      pointsCost: points(field(form, 'pointsCost')),
    };
    if (field(form, 'stock')) command.stock = integer(field(form, 'stock'));
    return after(c, cx, await runCommand(deps, cx.session.actor, command, onceKey(form)), '/console/shop');
  });

  for (const verb of ['restock', 'reprice', 'delist'] as const) {
    app.post(`/console/shop/items/:itemId/${verb}`, async (c) => {
      const got = await staffPost(c);
      if (got instanceof Response) return got;
      const { cx, form } = got;
      const target = { communityId: cx.session.communityId, itemId: c.req.param('itemId') };
      const command =
        verb === 'restock'
          ? { type: 'RestockItem', ...target, quantity: integer(field(form, 'quantity')) }
          : verb === 'reprice'
            ? { type: 'RepriceItem', ...target, pointsCost: points(field(form, 'pointsCost')) }
            : { type: 'DelistItem', ...target };
      return after(c, cx, await runCommand(deps, cx.session.actor, command, onceKey(form)), '/console/shop');
    });
  }

  app.post('/console/redemptions/:redemptionId/fulfil', async (c) => {
    const got = await staffPost(c);
    if (got instanceof Response) return got;
    const { cx, form } = got;
    const done = await runCommand(deps, cx.session.actor, { type: 'FulfilRedemption', communityId: cx.session.communityId, redemptionId: c.req.param('redemptionId') }, onceKey(form));
    return after(c, cx, done, '/console/shop');
  });

  reportRoutes(app, deps, staff);

  app.onError((thrown, c) => {
    if (thrown instanceof Problem) {
      if (thrown.code === 'unauthenticated') return signInPage(c, translator(langOf(c))('请先登录。', 'Sign in first.'), 401);
      return refusal(c, null, thrown.code, thrown.detail, '/console');
    }
    throw thrown;
  });
}

function BulkForm(props: { t: T; csrf: string; records: readonly RecordView[]; category: (id: string) => string; tz: string }) {
  const { t } = props;
  return (
    <form method="post" action="/console/records/bulk">
      <FormKeys csrf={props.csrf} />
      <table>
        <thead>
          <tr>
            <th>
              <input type="checkbox" data-select-all="record" hidden aria-label={t('全选', 'Select all')} />
            </th>
            <th>{t('成员', 'Member')}</th>
            <th>{t('类别', 'Category')}</th>
            <th>{t('服务日期', 'Date')}</th>
            <th class="n">{t('时长', 'Hours')}</th>
            <th>{t('登记时间', 'Recorded')}</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r) => {
            const id = `rec-${r.memberId}-${r.recordId}`;
            return (
              <tr>
                <td>
                  <input type="checkbox" id={id} name="record" value={`${r.memberId}/${r.recordId}`} aria-label={`${r.memberId} ${r.recordId}`} />
                </td>
                <td>
                  <label for={id}>{r.memberId}</label>
                </td>
                <td>{props.category(r.category)}</td>
                <td>{r.serviceDate}</td>
                <td class="n">{r.hours}</td>
                <td>{dateTimeIn(r.recordedAt, props.tz)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="row">
        <button type="submit" name="action" value="approve">
          {t('通过所选', 'Approve selected')}
        </button>
        <div>
          <label for="reject-reason">{t('驳回原因', 'Reason to reject')}</label>
          <input id="reject-reason" name="reason" />
        </div>
        <button class="danger" type="submit" name="action" value="reject">
          {t('驳回所选', 'Reject selected')}
        </button>
      </div>
    </form>
  );
}

function ReverseTable(props: { t: T; csrf: string; records: readonly RecordView[]; category: (id: string) => string }) {
  const { t } = props;
  return (
    <table>
      <thead>
        <tr>
          <th>{t('成员', 'Member')}</th>
          <th>{t('类别', 'Category')}</th>
          <th>{t('服务日期', 'Date')}</th>
          <th class="n">{t('时长', 'Hours')}</th>
          <th class="n">{t('积分', 'Points')}</th>
          <th>{t('撤销', 'Reverse')}</th>
        </tr>
      </thead>
      <tbody>
        {props.records.map((r) => (
          <tr>
            <td>{r.memberId}</td>
            <td>{props.category(r.category)}</td>
            <td>{r.serviceDate}</td>
            <td class="n">{r.hoursApproved}</td>
            <td class="n">{r.points}</td>
            <td>
              <form class="row" method="post" action="/console/records/reverse" data-confirm={t('撤销这条记录？积分将被收回。', 'Reverse this record? Its points are clawed back.')}>
                <FormKeys csrf={props.csrf} />
                <input type="hidden" name="memberId" value={r.memberId} />
                <input type="hidden" name="recordId" value={r.recordId} />
                <label class="visually-hidden" for={`rev-${r.memberId}-${r.recordId}`}>
                  {t('撤销原因', 'Reason to reverse')}
                </label>
                <input id={`rev-${r.memberId}-${r.recordId}`} name="reason" required size={12} placeholder={t('原因', 'reason')} />
                <button class="danger" type="submit">
                  {t('撤销', 'Reverse')}
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
