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
};

/** `ReportHours` → `reportHours`: a command's operationId. */
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
  'erasePersonalData',
  'dismissOrganiser',
];
