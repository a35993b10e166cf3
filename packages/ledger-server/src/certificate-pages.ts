/**
 * The public pages around a certificate, for people rather than programs (zh-CN, with English beside):
 * the verification page a QR code leads to, and the refusals a browser may meet on the way. Personal data
 * is masked; nothing is loaded from elsewhere and nothing runs.
 */
import { escapeHtml } from './views.js';

/** No outside resource and no script; the inline styles only. */
export const pageSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";

const style = `
body { font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.3em; } .ok { color: #0a6b2d; } .no { color: #9b1c1c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4em 1em; } dt { color: #555; } dd { margin: 0; }
.note { color: #555; font-size: .9em; }`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${style}</style></head><body>
${body}
</body></html>`;
}

export interface VerifiedCertificate {
  readonly certificateNumber: string;
  readonly issuedOn: string;
  readonly issuer: string;
  /** Masked, or null when none was recorded or it was erased. */
  readonly memberName: string | null;
  readonly idNumberMasked: string | null;
  readonly profileErased: boolean;
  readonly approvedHours: string;
  /** 信用时长 and 荣誉时长 among them: measured at activities, typed in afterwards. */
  readonly creditHours: string;
  readonly honourHours: string;
  readonly approvedRecords: number;
  readonly firstServiceDate: string | null;
  readonly lastServiceDate: string | null;
  readonly level: number;
}

export function verifiedPage(cert: VerifiedCertificate): string {
  const who = cert.profileErased ? '（本人已申请删除个人信息）' : cert.memberName ? escapeHtml(cert.memberName) : '（未登记姓名）';
  const rows: Array<[string, string]> = [
    ['证明编号 No.', escapeHtml(cert.certificateNumber)],
    ['出具单位 Issuer', escapeHtml(cert.issuer)],
    ['出具日期 Issued on', escapeHtml(cert.issuedOn)],
    ['志愿者 Volunteer', `${who}${cert.idNumberMasked ? `（证件号 ${escapeHtml(cert.idNumberMasked)}）` : ''}`],
    ['累计服务时长 Hours', `<strong>${escapeHtml(cert.approvedHours)}</strong> 小时`],
    ['其中 Of which', `信用时长 credit ${escapeHtml(cert.creditHours)} 小时 · 荣誉时长 honour ${escapeHtml(cert.honourHours)} 小时`],
    [
      '服务记录 Records',
      `${cert.approvedRecords} 条${cert.firstServiceDate && cert.lastServiceDate ? `（${escapeHtml(cert.firstServiceDate)} 至 ${escapeHtml(cert.lastServiceDate)}）` : ''}`,
    ],
  ];
  if (cert.level > 0) rows.push(['星级 Level', `${cert.level} 星`]);
  return page(
    `核验通过 ${cert.certificateNumber}`,
    `<h1 class="ok">✔ 志愿服务记录证明核验通过 · This certificate is genuine</h1>
<dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>
<p class="note">以上为本证明出具时的记录；此后新增或撤销的服务时长不在本证明内。个人信息已作脱敏处理。<br>
These are the records as they stood when the certificate was issued; personal data is masked.</p>`,
  );
}

/** A refusal a person can act on: what happened and what to do, in both languages. */
export function refusalPage(title: string, chinese: string, english: string): string {
  return page(title, `<h1 class="no">${escapeHtml(title)}</h1><p>${escapeHtml(chinese)}</p><p class="note">${escapeHtml(english)}</p>`);
}
