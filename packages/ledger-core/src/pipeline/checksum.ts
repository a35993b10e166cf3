/** The checksum snapshot texts carry (member/snapshot-codec.ts) and snapshot parts are named by (pipeline/parted-map.ts). */
const utf8 = new TextEncoder();

/**
 * A 64-bit checksum of the text: its UTF-8 bytes read as 32-bit words (in the machine's byte order: a snapshot
 * moved to a machine of the other order is only ignored) through two FNV-style lanes with a shift mixing the
 * high bits down, then the leftover bytes and the length. Not a defence against anyone, only enough to tell a
 * damaged snapshot from a good one. Reading words, not characters, makes it ~8× cheaper than FNV-1a over
 * `charCodeAt`, which was most of a cold read.
 */
export function checksum(text: string): string {
  let bytes = new Uint8Array(text.length + 8);
  let { read, written } = utf8.encodeInto(text, bytes);
  if (read < text.length) {
    bytes = new Uint8Array(text.length * 3 + 8);
    ({ read, written } = utf8.encodeInto(text, bytes));
  }
  const wordCount = written >>> 2;
  const words = new Uint32Array(bytes.buffer, 0, wordCount);
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let i = 0;
  for (; i + 1 < wordCount; i += 2) {
    a = Math.imul(a ^ words[i]!, 0x01000193);
    b = Math.imul(b ^ words[i + 1]!, 0x01000193);
    a ^= a >>> 15;
    b ^= b >>> 13;
  }
  if (i < wordCount) b = Math.imul(b ^ words[i]!, 0x01000193);
  for (let j = wordCount * 4; j < written; j += 1) a = Math.imul(a ^ bytes[j]!, 0x01000193);
  a = Math.imul(a ^ written, 0x01000193);
  b = Math.imul(b ^ (a >>> 7), 0x01000193);
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
export const checksumLength = 16;
