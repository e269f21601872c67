// Cognito's SRP-6a password sign-in (USER_SRP_AUTH, PASSWORD_VERIFIER), as Amazon's own SDK
// computes it: the password never leaves the browser. Group: RFC 3526's 3072-bit prime, g = 2;
// hashes SHA-256 (WebCrypto), numbers as padded big-endian hex (an extra 00 when the first bit
// is set, as Java's BigInteger writes them).
const N_HEX = [
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
  "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
  "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
  "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
  "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
].join("");
const N = BigInt(`0x${N_HEX}`);
const G = 2n;
const INFO = "Caldera Derived Key";
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const enc = new TextEncoder();
const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const bytesToHex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** A positive number as Cognito hashes it: even-length hex, "00" first if its top bit is set. */
export function padHex(value) {
  let hex = (typeof value === "bigint" ? value.toString(16) : value).toLowerCase();
  if (hex.length % 2) hex = `0${hex}`;
  return "89abcdef".includes(hex[0]) ? `00${hex}` : hex;
}

function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const hashHex = async (hex) => BigInt(`0x${bytesToHex(await sha256(hexToBytes(hex)))}`);
async function hmac(key, data) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

/** The client's secret `a` (random unless given, for tests) and its public A = g^a mod N. */
export function srpStart(a) {
  const secret = a ?? BigInt(`0x${bytesToHex(crypto.getRandomValues(new Uint8Array(128)))}`) % N;
  return { a: secret, A: modPow(G, secret, N) };
}

/** Cognito's TIMESTAMP: "Tue Dec 8 09:05:07 UTC 2026" (the day unpadded). */
export function cognitoTimestamp(date) {
  const two = (n) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} `
    + `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}

/** PASSWORD_CLAIM_SIGNATURE for the challenge's B, salt and secret block (base64). */
export async function srpSignature({ poolId, userIdForSrp, password, a, A, srpB, salt, secretBlock, timestamp }) {
  const B = BigInt(`0x${srpB}`);
  if (B % N === 0n) throw new Error("SRP: B is 0 mod N");
  const k = await hashHex(padHex(N) + padHex(G));
  const u = await hashHex(padHex(A) + padHex(B));
  if (u === 0n) throw new Error("SRP: u is 0");
  const pool = poolId.split("_")[1];
  const inner = bytesToHex(await sha256(enc.encode(`${pool}${userIdForSrp}:${password}`)));
  const x = await hashHex(padHex(BigInt(`0x${salt}`)) + inner);
  const S = modPow(B - k * modPow(G, x, N), a + u * x, N);
  const prk = await hmac(hexToBytes(padHex(u)), hexToBytes(padHex(S)));
  const key = (await hmac(prk, concat(enc.encode(INFO), Uint8Array.of(1)))).slice(0, 16);
  const block = Uint8Array.from(atob(secretBlock), (c) => c.charCodeAt(0));
  const message = concat(enc.encode(pool), enc.encode(userIdForSrp), block, enc.encode(timestamp));
  return btoa(String.fromCharCode(...(await hmac(key, message))));
}
