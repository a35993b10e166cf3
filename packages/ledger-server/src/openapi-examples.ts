/**
 * The API's examples, one entry per command the HTTP API carries out, written as a community would
 * fill them in: 阳光社区 (`sunshine`) registers, 张伟 (`zhang-wei`) gives 2.50 hours of elder care on
 * 2026-05-01, 王芳 (`wang-fang`) organises, the rewards shop lists rice and a haircut. Together they
 * are one journey: sent in `exampleJourney` order to a fresh service, every one succeeds (the journey
 * e2e test does exactly that), so Swagger UI's "Try it out" works with them as they stand.
 *
 * `commandEndpoint` applies an entry generically: the operation's description, its path parameter
 * examples and its named request body examples. Each body is checked against the core's own schema
 * by a unit test.
 */
import type { CommandType, commandSchemas } from '@volunteer-ledger/core';
import type { z } from 'zod';

/** The commands the HTTP API exposes (process steps such as PlaceHold are the ledger's own). */
export type HttpCommandType = Extract<
  CommandType,
  | 'RegisterCommunity'
  | 'PublishPolicy'
  | 'AddCategory'
  | 'RetireCategory'
  | 'AppointOrganiser'
  | 'DismissOrganiser'
  | 'RegisterMember'
  | 'RecordProfile'
  | 'ErasePersonalData'
  | 'GrantPoints'
  | 'ExpirePoints'
  | 'RecordCheckedInHours'
  | 'ReportHours'
  | 'ApproveService'
  | 'RejectService'
  | 'ReverseService'
  | 'ListItem'
  | 'RepriceItem'
  | 'RestockItem'
  | 'DelistItem'
  | 'RequestRedemption'
  | 'FulfilRedemption'
  | 'CancelRedemption'
  | 'RequestTransfer'
  | 'PublishActivity'
  | 'ChangeActivity'
  | 'CancelActivity'
  | 'SignUpForActivity'
  | 'WithdrawFromActivity'
  | 'CheckInAttendee'
  | 'CheckOutAttendee'
  | 'CheckInWithKioskCode'
  | 'CheckOutWithKioskCode'
  | 'CloseActivity'
  | 'ApproveActivityAttendance'
  | 'PostServiceRequest'
  | 'DispatchServiceRequest'
  | 'TakeServiceRequest'
  | 'DeclineServiceRequest'
  | 'MarkServiceRequestDone'
  | 'ConfirmServiceRequest'
  | 'CancelServiceRequest'
  | 'RefuseServiceRequest'
  | 'ExpireServiceRequest'
  | 'PostWish'
  | 'ClaimWish'
  | 'FulfilWish'
  | 'CancelWish'
>;

/** A request body as sent: the command's input less `type` and the fields the URL carries. */
export type BodyExample<T extends HttpCommandType> = Partial<Omit<z.input<(typeof commandSchemas)[T]>, 'type'>>;

export interface CommandDoc<T extends HttpCommandType> {
  /** What the command does and when it is refused: the operation's description. */
  readonly description: string;
  /** Path parameter examples of this operation; the glossary's (openapi-glossary.ts) serve the rest. */
  readonly params?: Readonly<Record<string, string>>;
  /** Named request bodies; the first is the one Swagger UI fills in. */
  readonly examples: Readonly<Record<string, { readonly summary: string; readonly value: BodyExample<T> }>>;
}

export const exampleCommunity = { communityId: 'sunshine', name: '阳光社区' } as const;

export const commandDocs: { readonly [T in HttpCommandType]: CommandDoc<T> } = {
  RegisterCommunity: {
    description:
      'Registers a community (社区) with its first points policy (version 1) and its service categories; ' +
      'without `categories` it starts with the eight defaults (elder-care, public-health, safety, mediation, culture, fitness, environment, emergency). ' +
      'A policy may weight only categories the community has. Refused with 409 if the id is taken.',
    examples: {
      sunshine: {
        summary: '阳光社区 with four categories; elder care counts ×1.5',
        value: {
          communityId: 'sunshine',
          name: '阳光社区',
          timeZone: 'Asia/Shanghai',
          policy: { basePointsPerHour: '10', categoryMultipliers: { 'elder-care': '1.5' }, dailyHoursCap: '8.00', expiry: { kind: 'months-after-accrual', months: 24 } },
          categories: [
            { categoryId: 'elder-care', name: '助老服务' },
            { categoryId: 'public-health', name: '卫生健康' },
            { categoryId: 'safety', name: '平安巡逻' },
            { categoryId: 'environment', name: '环境保护' },
          ],
        },
      },
    },
  },
  PublishPolicy: {
    description:
      'Publishes the next version of the points policy (积分规则). Decisions already made keep the version they used; ' +
      'every field left out takes its default. `categoryMultipliers` may name only active categories of the community.',
    params: { communityId: 'sunshine' },
    examples: {
      patrols: {
        summary: 'Patrols now count ×1.2; gifts capped at 50 points a day',
        value: {
          policy: {
            basePointsPerHour: '10',
            categoryMultipliers: { 'elder-care': '1.5', safety: '1.2' },
            rounding: { mode: 'half-up', scale: 2 },
            dailyHoursCap: '8.00',
            minimumServiceHours: '0.50',
            autoApproveCheckedIn: true,
            lockDays: 0,
            expiry: { kind: 'months-after-accrual', months: 24 },
            maxBalance: null,
            transfers: { allowed: true, recipients: 'anyone', dailyLimit: '50.00' },
            holdHours: 72,
            levelThresholdsHours: ['100.00', '300.00', '600.00', '1000.00', '1500.00'],
          },
        },
      },
    },
  },
  AddCategory: {
    description: 'Adds a service category (服务类别), or brings back a retired one. Refused with 409 if it is already active.',
    params: { communityId: 'sunshine' },
    examples: { tutoring: { summary: '课业辅导: homework help for children', value: { categoryId: 'tutoring', name: '课业辅导' } } },
  },
  RetireCategory: {
    description: 'Retires a category: no new service records in it. Records and points already in it stay. Refused with 404 unless the category is active.',
    params: { communityId: 'sunshine', categoryId: 'tutoring' },
    examples: { retire: { summary: 'No body is needed', value: {} } },
  },
  AppointOrganiser: {
    description: 'Appoints a registered member as organiser: they may approve others\' hours (never their own) and run the shop.',
    params: { communityId: 'sunshine' },
    examples: { 'wang-fang': { summary: '王芳 becomes an organiser', value: { memberId: 'wang-fang' } } },
  },
  DismissOrganiser: {
    description: 'Ends an organiser\'s appointment; they remain a member. Refused with 404 if they are not an organiser.',
    params: { communityId: 'sunshine', memberId: 'wang-fang' },
    examples: { dismiss: { summary: 'No body is needed', value: {} } },
  },
  RegisterMember: {
    description:
      'Registers a member (志愿者 / 居民) with a points account. Personal data in `profile` is sealed by the vault with a key of the member\'s own: ' +
      'only its ciphertext is recorded, and erasing the member erases it. Refused with 409 if the id is taken.',
    params: { communityId: 'sunshine' },
    examples: {
      'zhang-wei': {
        summary: '张伟, a volunteer in building 3',
        value: { memberId: 'zhang-wei', householdId: 'hh-3-502', compound: '阳光花园', building: '3号楼', profile: { name: '张伟', phone: '138 0013 8000', idNumber: '11010119900307123X' } },
      },
      'wang-fang': { summary: '王芳, who will organise', value: { memberId: 'wang-fang', building: '5号楼', profile: { name: '王芳' } } },
    },
  },
  RecordProfile: {
    description: 'Records or replaces the member\'s personal data (sealed by the vault). Fields left out are removed from the profile.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: { 'new-phone': { summary: '张伟 has a new phone number', value: { profile: { name: '张伟', phone: '139 0013 9000', idNumber: '11010119900307123X' } } } },
  },
  ErasePersonalData: {
    description:
      'Erases the member\'s personal data (PIPL / GDPR): their key is destroyed, so the sealed profile can never be read again, ' +
      'while every balance and total still reconciles. Cannot be undone.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: { request: { summary: 'At the member\'s own request', value: { reason: '本人申请注销账户 at the member\'s request' } } },
  },
  GrantPoints: {
    description: 'Grants points outside the policy, with a reason kept in the statement (admins only). Each grant id grants once.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: { award: { summary: 'An award for a year of service', value: { grantId: 'grant-2026-05-award', points: '20.00', reason: '社区年度表彰 community award' } } },
  },
  ExpirePoints: {
    description: 'Expires the member\'s lots that are due (the scheduler does this for everyone); with nothing due it changes nothing.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: { 'end-of-may': { summary: 'Expire what was due at the end of May', value: { asOf: '2026-06-01T00:00:00+08:00' } } },
  },
  RecordCheckedInHours: {
    description:
      '签到时长: records hours measured by check-in and check-out at an activity. Approved at once when the policy says so ' +
      '(`autoApproveCheckedIn`), within the daily cap; otherwise pending for an organiser.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: {
      patrol: {
        summary: 'A morning safety patrol, 09:00–11:30',
        value: { recordId: 'rec-20260502-zw', category: 'safety', activityId: 'act-20260502-patrol', checkedInAt: '2026-05-02T09:00:00+08:00', checkedOutAt: '2026-05-02T11:30:00+08:00' },
      },
    },
  },
  ReportHours: {
    description:
      '补录时长: reports hours afterwards. Always pending until an organiser approves or rejects it; the hours may not exceed ' +
      'the activity\'s length, nor 24, and the date may not be in the future.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: {
      'elder-care': {
        summary: '2.50 hours visiting elderly neighbours on 2026-05-01',
        value: { recordId: 'rec-20260501-zw', category: 'elder-care', activityId: 'act-20260501-visits', serviceDate: '2026-05-01', hours: '2.50', activityHours: '3.00' },
      },
      duplicate: {
        summary: 'The same visit typed in twice (to be rejected)',
        value: { recordId: 'rec-20260501-zw-dup', category: 'elder-care', serviceDate: '2026-05-01', hours: '2.50', activityHours: '3.00' },
      },
    },
  },
  ApproveService: {
    description:
      '审核通过: approves a pending record; its hours count (up to the daily cap) and its points accrue as a lot, by the policy in force. ' +
      'An organiser may not approve their own hours.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei', recordId: 'rec-20260501-zw' },
    examples: { approve: { summary: 'No body is needed', value: {} } },
  },
  RejectService: {
    description: 'Rejects a pending record with a reason; it earns nothing.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei', recordId: 'rec-20260501-zw-dup' },
    examples: { duplicate: { summary: 'A duplicate entry', value: { reason: '重复录入 duplicate entry' } } },
  },
  ReverseService: {
    description:
      '撤销: reverses an approved record found wrong. Its hours no longer count and its points are clawed back; ' +
      'if they were spent, the account goes into deficit, settled by later accruals.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei', recordId: 'rec-20260502-zw' },
    examples: { 'wrong-check-out': { summary: 'The check-out time was wrong', value: { reason: '签退时间记录有误 wrong check-out time' } } },
  },
  ListItem: {
    description: 'Lists an item in the rewards shop (积分超市): goods with stock, or a volunteer\'s service with its hours. Refused with 409 if the id is taken.',
    params: { communityId: 'sunshine' },
    examples: {
      rice: { summary: '5 kg of rice, two a month per member', value: { itemId: 'rice-5kg', name: '大米 5kg', kind: 'goods', pointsCost: '30.00', stock: 20, limitPerMember: { count: 2, period: 'month' } } },
      haircut: {
        summary: 'A haircut given by a volunteer (时间银行)',
        value: { itemId: 'haircut', name: '上门理发 home haircut', kind: 'service', pointsCost: '15.00', serviceHours: '0.50', serviceCategory: 'elder-care' },
      },
    },
  },
  RepriceItem: {
    description: 'Changes an item\'s point cost; open redemptions keep the price they were made at.',
    params: { communityId: 'sunshine', itemId: 'rice-5kg' },
    examples: { cheaper: { summary: 'Rice is on offer', value: { pointsCost: '25.00' } } },
  },
  RestockItem: {
    description: 'Adds units to a goods item\'s stock.',
    params: { communityId: 'sunshine', itemId: 'rice-5kg' },
    examples: { delivery: { summary: 'Ten more bags arrived', value: { quantity: 10 } } },
  },
  DelistItem: {
    description: 'Takes an item off the shelf; open redemptions of it can still be fulfilled or cancelled.',
    params: { communityId: 'sunshine', itemId: 'haircut' },
    examples: { holiday: { summary: 'The barber is away this month', value: { reason: '理发志愿者本月休假 the barber is away' } } },
  },
  RequestRedemption: {
    description:
      '兑换: spends points on an item. The points are held and the stock reserved until an organiser fulfils it, ' +
      'the member or an organiser cancels it, or the hold expires (`holdHours`). Refused when available points or stock fall short, or a per-member limit is reached.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: {
      rice: { summary: 'One bag of rice', value: { redemptionId: 'red-0001', itemId: 'rice-5kg', quantity: 1 } },
      haircut: { summary: 'A haircut (to be cancelled)', value: { redemptionId: 'red-0002', itemId: 'haircut' } },
    },
  },
  FulfilRedemption: {
    description: 'Hands the item over: the held points are spent and the reserved stock issued. For a service, name the volunteer who gave it: they get a service record for its hours.',
    params: { communityId: 'sunshine', redemptionId: 'red-0001' },
    examples: { 'handed-over': { summary: 'The rice was collected', value: {} } },
  },
  CancelRedemption: {
    description: 'Cancels an open redemption: the held points and the reserved stock are released.',
    params: { communityId: 'sunshine', redemptionId: 'red-0002' },
    examples: { cancel: { summary: 'No body is needed', value: {} } },
  },
  RequestTransfer: {
    description:
      '转赠: gives points to another member, or donates them to the community pool (爱心积分池, `to: "_pool"`), as the policy\'s `transfers` allow. ' +
      'The points arrive with the expiry dates they had.',
    params: { communityId: 'sunshine', memberId: 'zhang-wei' },
    examples: {
      gift: { summary: 'A gift of 5 points to 王芳', value: { transferId: 'gift-0001', to: 'wang-fang', points: '5.00', reason: 'gift' } },
      donation: { summary: '5 points to the community pool', value: { transferId: 'donation-0001', to: '_pool', points: '5.00', reason: 'donation' } },
    },
  },
  // ── Activities (志愿活动): a health check on Saturday 2026-06-06, 09:00–11:00 in Shanghai ──
  PublishActivity: {
    description:
      'Publishes an activity: title, category, time window (at most 24 hours, not yet ended), place, capacity and organisers (an organiser publishing it is one). ' +
      'The ledger makes the kiosk\'s secret for its check-in codes. Refused with 409 if the id is taken.',
    params: { communityId: 'sunshine' },
    examples: {
      'health-check': {
        summary: '社区义诊: a free health check for one (the capacity grows later)',
        value: { activityId: 'act-20260606-health', title: '社区义诊 free health check', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T03:00:00Z', place: '社区卫生站', capacity: 1, organisers: ['wang-fang'] },
      },
      talk: {
        summary: '健康讲座: a talk that will be cancelled',
        value: { activityId: 'act-20260606-talk', title: '健康讲座 health talk', category: 'public-health', startsAt: '2026-06-06T06:00:00Z', endsAt: '2026-06-06T08:00:00Z', place: '会议室', capacity: 25 },
      },
    },
  },
  ChangeActivity: {
    description: 'Changes what is named, before the activity starts. A larger capacity moves the wait list up, in order; a capacity below the seats taken, or new times once someone checked in, is refused.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { 'more-seats': { summary: 'A second doctor comes: two seats', value: { capacity: 2 } } },
  },
  CancelActivity: {
    description: 'Cancels a published activity nobody has checked in at (once someone has, close it instead so their time is recorded).',
    params: { communityId: 'sunshine', activityId: 'act-20260606-talk' },
    examples: { 'speaker-ill': { summary: 'The speaker is ill', value: { reason: '主讲人生病 the speaker is ill' } } },
  },
  SignUpForActivity: {
    description: '报名: a seat while there is one, else a place on the wait list, first come first served. Only before the activity starts; never above capacity, however many sign up at once.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: {
      'zhang-wei': { summary: '张伟 takes the one seat', value: { memberId: 'zhang-wei' } },
      'wang-fang': { summary: '王芳 goes on the wait list', value: { memberId: 'wang-fang' } },
    },
  },
  WithdrawFromActivity: {
    description: 'Withdraws a sign-up before the start: the first on the wait list takes the seat that came free.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { 'wang-fang': { summary: '王芳 cannot come after all', value: { memberId: 'wang-fang' } } },
  },
  CheckInAttendee: {
    description:
      '签到 by an organiser, stamped by the ledger\'s clock: from 30 minutes before the start until the end. A member without a seat walks in to a free one. ' +
      'Refused when the member is present at another activity at the time.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { 'walk-in': { summary: '王芳 walks in to the free seat', value: { memberId: 'wang-fang' } } },
  },
  CheckOutAttendee: {
    description: '签退 by an organiser, stamped by the ledger\'s clock. A member not checked out is counted until the end.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { 'wang-fang': { summary: '王芳 leaves', value: { memberId: 'wang-fang' } } },
  },
  CheckInWithKioskCode: {
    description:
      'The member checks in with the code the activity\'s kiosk shows (GET …/kiosk-code): accepted once per member, only for its activity, only while current or one step old (30 s each). ' +
      'The example\'s code is one the kiosk showed once; send the one it shows now.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { scan: { summary: '张伟 scans the kiosk', value: { memberId: 'zhang-wei', code: '63385141.Qm9vb2tzIGFyZSBncmVhdCwgc2F5cyB6aGFuZy13ZWk' } } },
  },
  CheckOutWithKioskCode: {
    description: 'The member checks out with the code the kiosk shows now, on the same terms as checking in.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { scan: { summary: '张伟 scans the kiosk on leaving', value: { memberId: 'zhang-wei', code: '63385321.SGVhbHRoIGNoZWNrIGRvbmUsIHRoYW5rIHlvdSBhbGwh' } } },
  },
  CloseActivity: {
    description:
      'Closes a started activity: every attendance becomes a checked-in service record (信用时长) on the member\'s stream — hours present within the window, rounded by the policy — ' +
      'approved at once where the policy says so. Closing twice has the effect of once; a crash part-way is carried on.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { close: { summary: 'No body is needed', value: {} } },
  },
  ApproveActivityAttendance: {
    description: 'Approves every attendance record of a closed activity in one go. What cannot be approved in bulk (the approver\'s own record, a full day) is left pending, with why, for ApproveService one at a time.',
    params: { communityId: 'sunshine', activityId: 'act-20260606-health' },
    examples: { approve: { summary: 'No body is needed', value: {} } },
  },

  // ── Service requests (点单 → 派单 → 接单 → 评单) ──
  PostServiceRequest: {
    description:
      '点单: a member asks for a service — category, description, when, where — optionally offering points, which are held from their account at once (no overdraft). ' +
      'It lapses at `expiresAt` (default a week after the time wanted) unless served.',
    params: { communityId: 'sunshine' },
    examples: {
      haircut: {
        summary: '张伟 asks for a haircut at home, offering 5 points',
        value: { requestId: 'req-0001', memberId: 'zhang-wei', category: 'elder-care', description: '行动不便，请上门理发 a haircut at home', wantedAt: '2026-06-06T02:00:00Z', place: '3号楼502', pointsOffered: '5.00' },
      },
      repair: {
        summary: 'A radio repair, no points offered (to be cancelled)',
        value: { requestId: 'req-0002', memberId: 'zhang-wei', category: 'elder-care', description: '收音机坏了 the radio is broken', wantedAt: '2026-06-07T02:00:00Z', place: '3号楼502' },
      },
      'out-of-scope': {
        summary: 'Something the community does not do (to be refused)',
        value: { requestId: 'req-0003', memberId: 'zhang-wei', category: 'elder-care', description: '帮忙搬家 help moving house', wantedAt: '2026-06-08T02:00:00Z', place: '3号楼502' },
      },
      lapsing: {
        summary: 'A request nobody takes before it lapses',
        value: { requestId: 'req-0004', memberId: 'zhang-wei', category: 'elder-care', description: '陪同就医 company to the clinic', wantedAt: '2026-06-03T02:00:00Z', place: '3号楼502', expiresAt: '2026-06-05T00:00:00Z' },
      },
    },
  },
  DispatchServiceRequest: {
    description: '派单: an organiser assigns an open request to a volunteer.',
    params: { communityId: 'sunshine', requestId: 'req-0002' },
    examples: { 'wang-fang': { summary: 'To 王芳', value: { volunteerId: 'wang-fang' } } },
  },
  TakeServiceRequest: {
    description: '接单: a volunteer takes an open request (not their own).',
    params: { communityId: 'sunshine', requestId: 'req-0001' },
    examples: { 'wang-fang': { summary: '王芳 takes it', value: { memberId: 'wang-fang' } } },
  },
  DeclineServiceRequest: {
    description: 'The assigned volunteer hands the request back: it is open again for someone else.',
    params: { communityId: 'sunshine', requestId: 'req-0002' },
    examples: { busy: { summary: '王芳 is busy that day', value: { reason: '那天有事 busy that day' } } },
  },
  MarkServiceRequestDone: {
    description: 'The assigned volunteer did it, in this many hours (at most 24).',
    params: { communityId: 'sunshine', requestId: 'req-0001' },
    examples: { 'one-hour': { summary: 'One hour', value: { hours: '1.00' } } },
  },
  ConfirmServiceRequest: {
    description:
      '评单: the requester confirms and rates the service (1–5, a comment), once. The volunteer\'s hours are recorded as honour hours (荣誉时长; approved now if the policy says so), ' +
      'and the points offered move from the requester\'s hold to the volunteer.',
    params: { communityId: 'sunshine', requestId: 'req-0001' },
    examples: { 'five-stars': { summary: 'Five stars', value: { rating: 5, comment: '手艺好，很耐心 skilful and patient' } } },
  },
  CancelServiceRequest: {
    description: 'The requester (or staff) cancels a request before it is confirmed: the hold is released.',
    params: { communityId: 'sunshine', requestId: 'req-0002' },
    examples: { fixed: { summary: 'A neighbour fixed it', value: { reason: '邻居帮忙修好了 a neighbour fixed it' } } },
  },
  RefuseServiceRequest: {
    description: 'An organiser refuses a request (out of scope, a dispute): it ends, the hold released.',
    params: { communityId: 'sunshine', requestId: 'req-0003' },
    examples: { 'out-of-scope': { summary: 'Not a volunteer service', value: { reason: '不属于志愿服务范围 not a volunteer service' } } },
  },
  ExpireServiceRequest: {
    description: 'Lapses an open or assigned request past its expiry: the hold is released. The service\'s expiry job does this on its own.',
    params: { communityId: 'sunshine', requestId: 'req-0004' },
    examples: { lapse: { summary: 'No body is needed', value: {} } },
  },

  // ── Micro-wishes (微心愿) ──
  PostWish: {
    description: 'An organiser posts a resident\'s small wish on their behalf, with what it costs if the donation pool pays for it.',
    params: { communityId: 'sunshine' },
    examples: {
      books: { summary: 'A set of picture books (3 points from the pool)', value: { wishId: 'wish-0001', beneficiaryId: 'zhang-wei', title: '一套绘本 picture books', points: '3.00' } },
      kite: { summary: 'A kite (to be cancelled)', value: { wishId: 'wish-0002', beneficiaryId: 'zhang-wei', title: '一只风筝 a kite', description: '想和孙子去放风筝', points: '2.00' } },
    },
  },
  ClaimWish: {
    description: 'Claims a posted wish: a member who will fulfil it in kind, or `_pool` for the donation pool (爱心积分池), whose points are then held for it.',
    params: { communityId: 'sunshine', wishId: 'wish-0001' },
    examples: { pool: { summary: 'The donation pool pays', value: { memberId: '_pool' } } },
  },
  FulfilWish: {
    description: 'An organiser confirms the wish was fulfilled: the pool\'s held points are spent (conserved like any other spend).',
    params: { communityId: 'sunshine', wishId: 'wish-0001' },
    examples: { delivered: { summary: 'No body is needed', value: {} } },
  },
  CancelWish: {
    description: 'Cancels a wish not yet fulfilled: the pool\'s hold, if any, is released.',
    params: { communityId: 'sunshine', wishId: 'wish-0002' },
    examples: { 'no-longer': { summary: 'No longer wanted', value: { reason: '已经买到了 already bought' } } },
  },
};

/** `ReportHours` → `reportHours`: a command's operationId. */
/**
 * The journey's clock. The examples tell one story dated May and June 2026, and an activity is attended inside
 * its window and a request lapses after its expiry, so a service run for the journey (the e2e test's) reads these
 * times before these steps, standing still in between: the journey starts on 1 June 2026 and the activity steps
 * fall on Saturday 6 June. Tried by hand on another day, the dated steps (sign-ups, check-ins, requests) are
 * refused as too early or too late, with a problem saying so; the others work as they stand.
 */
export const exampleJourneyClock: Readonly<Record<string, string>> = {
  registerCommunity: '2026-06-01T02:00:00.000Z',
  getActivityKioskCode: '2026-06-06T00:45:00.000Z',
  checkInAttendee: '2026-06-06T01:00:00.000Z',
  checkOutWithKioskCode: '2026-06-06T02:30:00.000Z',
  checkOutAttendee: '2026-06-06T02:45:00.000Z',
  getOrganiserQueue: '2026-06-06T03:10:00.000Z',
};

/** Steps whose body carries the code the activity's kiosk shows at that moment, not the example's. */
export const kioskCodeSteps: ReadonlySet<string> = new Set(['checkInWithKioskCode', 'checkOutWithKioskCode']);

export const operationIdOf = (type: string): string => type.charAt(0).toLowerCase() + type.slice(1);

/**
 * The order in which the documented examples make one journey: `operationId` or `operationId:example`.
 * Every operation appears, and every named body example once (checked by the journey e2e test).
 */
export const exampleJourney: readonly string[] = [
  'registerCommunity',
  'getCommunity',
  'publishPolicy',
  'addCategory',
  'retireCategory',
  'registerMember:zhang-wei',
  'registerMember:wang-fang',
  'appointOrganiser',
  'getMemberAccount',
  'getProfile',
  'recordProfile',
  'reportHours:elder-care',
  'listServiceRecords',
  'approveService',
  'recordCheckedInHours',
  'reportHours:duplicate',
  'rejectService',
  'reverseService',
  'listMemberServiceRecords',
  'grantPoints',
  'listItem:rice',
  'listItem:haircut',
  'repriceItem',
  'restockItem',
  'listCatalogue',
  'requestRedemption:rice',
  'requestRedemption:haircut',
  'getRedemption',
  'listRedemptions',
  'fulfilRedemption',
  'cancelRedemption',
  'delistItem',
  'requestTransfer:gift',
  'requestTransfer:donation',
  'listTransfers',
  'expirePoints',
  'getStatement',
  'getCertificate',
  'getCertificatePage',
  'getCertificateLink',
  'getCommunityReport',
  'getLeaderboard',
  'getTrialBalance',
  // Service requests and micro-wishes, on 1 June 2026.
  'postServiceRequest:haircut',
  'listServiceRequests',
  'takeServiceRequest',
  'markServiceRequestDone',
  'confirmServiceRequest',
  'getServiceRequest',
  'postServiceRequest:repair',
  'dispatchServiceRequest',
  'declineServiceRequest',
  'cancelServiceRequest',
  'postServiceRequest:out-of-scope',
  'refuseServiceRequest',
  'postServiceRequest:lapsing',
  'postWish:books',
  'listWishes',
  'claimWish',
  'fulfilWish',
  'getWish',
  'postWish:kite',
  'cancelWish',
  // Activities: published and signed up for on 1 June, attended on Saturday 2026-06-06 (see exampleJourneyClock).
  'publishActivity:health-check',
  'publishActivity:talk',
  'cancelActivity',
  'signUpForActivity:zhang-wei',
  'signUpForActivity:wang-fang',
  'changeActivity',
  'withdrawFromActivity',
  'listActivities',
  'getActivity',
  'getActivityKioskCode',
  'checkInWithKioskCode',
  'checkInAttendee',
  'listActivityAttendees',
  'checkOutWithKioskCode',
  'checkOutAttendee',
  'getOrganiserQueue',
  'closeActivity',
  'approveActivityAttendance',
  'listMemberActivities',
  'expireServiceRequest',
  'erasePersonalData',
  'dismissOrganiser',
];
