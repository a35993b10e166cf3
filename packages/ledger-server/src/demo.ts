/** `ledger demo`: a sample community (阳光社区) with organisers, members, hours, a shop, a redemption and a gift. */
import { type Actor, type Ledger, type LedgerCommandInput } from '@volunteer-ledger/core';

export const demoCommunityId = 'sunshine';

export async function seedDemo(ledger: Ledger, log: (line: string) => void = () => undefined): Promise<{ commands: number; refused: number }> {
  const admin: Actor = { id: 'demo-admin', role: 'admin', communityId: demoCommunityId };
  const c = demoCommunityId;
  const today = ledger.clock.now().toISOString().slice(0, 10);
  const commands: LedgerCommandInput[] = [
    { type: 'RegisterCommunity', communityId: c, name: '阳光社区 Sunshine Community', timeZone: 'Asia/Shanghai' },
    { type: 'RegisterMember', communityId: c, memberId: 'wang-organiser', profile: { name: '王芳' } },
    { type: 'AppointOrganiser', communityId: c, memberId: 'wang-organiser' },
    { type: 'ListItem', communityId: c, itemId: 'rice-5kg', name: '大米 5kg', kind: 'goods', pointsCost: '50.00', stock: 20 },
    { type: 'ListItem', communityId: c, itemId: 'haircut', name: '理发 haircut', kind: 'service', pointsCost: '20.00', serviceHours: '0.50' },
  ];
  const members = [
    ['li-wei', '李伟', 'elder-care', '3.00'],
    ['zhang-min', '张敏', 'public-health', '2.50'],
    ['chen-jie', '陈杰', 'safety', '4.00'],
    ['liu-yang', '刘洋', 'environment', '6.00'],
  ] as const;
  for (const [memberId, name, category, hours] of members) {
    commands.push(
      { type: 'RegisterMember', communityId: c, memberId, building: '3号楼', profile: { name } },
      { type: 'ReportHours', communityId: c, memberId, recordId: `${memberId}-r1`, category, serviceDate: today, hours, activityHours: hours },
      { type: 'ApproveService', communityId: c, memberId, recordId: `${memberId}-r1` },
    );
  }
  commands.push(
    { type: 'RequestRedemption', communityId: c, memberId: 'liu-yang', redemptionId: 'red-1', itemId: 'rice-5kg' },
    { type: 'FulfilRedemption', communityId: c, redemptionId: 'red-1' },
    { type: 'RequestTransfer', communityId: c, memberId: 'chen-jie', transferId: 'gift-1', to: 'li-wei', points: '5.00' },
    { type: 'RequestTransfer', communityId: c, memberId: 'chen-jie', transferId: 'donation-1', to: '_pool', points: '5.00', reason: 'donation' },
  );
  let refused = 0;
  for (const [i, command] of commands.entries()) {
    const result = await ledger.execute(command, { actor: admin, idempotencyKey: `demo-${i}` });
    if (!result.ok) {
      refused += 1;
      log(`  ${command.type}: ${result.error.message}`);
    }
  }
  return { commands: commands.length, refused };
}
