/**
 * Bundle signatures: who built a bundle. manifest.json lists the sha256 and
 * size of every other file, so an ed25519 signature of its exact bytes covers
 * the whole bundle. Checksums alone only catch accidental damage (anyone who
 * edits a file can re-hash it); a signature checked against a public key the
 * user trusts also catches tampering.
 *
 * manifest.sig (JSON, beside manifest.json and not listed in it):
 *   { format, version, algorithm: "ed25519", signed: "manifest.json",
 *     publicKey: "sha256:<hex of the key's SPKI DER>", signature: <base64> }
 * The fingerprint only names the key for messages; trust comes from
 * crypto.verify with the key the user gives, never from the file.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfinedRoot } from '../util/confine.js';
import path from 'node:path';
import { A2mError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.js';

export const SIGNATURE_FORMAT = 'audio-to-midi/bundle-signature';
export const SIGNATURE_VERSION = 1;

export interface SignatureFile {
  format: typeof SIGNATURE_FORMAT;
  version: number;
  algorithm: 'ed25519';
  signed: typeof MANIFEST_FILE;
  publicKey: string;
  signature: string;
}

export interface SignatureCheck {
  ok: boolean;
  /** The given key's fingerprint. */
  key: string;
  /** What failed (absent when ok). */
  problem?: string;
}

/** Bounds on what is read: ours are a few hundred kB and ~300 bytes. */
const MAX_MANIFEST_BYTES = 64 * 1024 ** 2;
const MAX_SIGNATURE_BYTES = 64 * 1024;

/**
 * Reads `name` inside the bundle folder through the one confinement rule
 * (src/util/confine.ts): a regular file inside the folder, at most `max` bytes.
 */
async function readBundleFile(dir: string, name: string, max: number): Promise<Buffer> {
  return (await ConfinedRoot.open(dir, 'bundle folder')).read(name, path.join(dir, name), max);
}

const GENERATE_HINT = 'make one with `openssl genpkey -algorithm ed25519 -out key.pem`';

/** Ed25519 only: one fixed algorithm, no parameters to get wrong, and node signs it with a null digest. */
function requireEd25519(key: KeyObject, file: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new A2mError(`${file}: key type ${key.asymmetricKeyType ?? 'unknown'}; bundles are signed with ed25519 keys only, expected an ed25519 ${what} (${GENERATE_HINT})`);
  }
  return key;
}

async function readPem(file: string, what: string): Promise<Buffer> {
  if (!existsSync(file)) throw new A2mError(`${file}: missing (the ed25519 ${what} PEM file)`);
  return readFile(file);
}

/** The private key for `--sign`: a PEM file holding an unencrypted ed25519 private key. */
export async function loadSigningKey(file: string): Promise<KeyObject> {
  const pem = await readPem(file, 'private key');
  if (pem.includes('-----BEGIN PUBLIC KEY-----')) throw new A2mError(`${file}: a public key; --sign takes the ed25519 private key (the public one is for bundle verify --public-key)`);
  let key: KeyObject;
  try { key = createPrivateKey(pem); } catch (e) {
    throw new A2mError(`${file}: not an unencrypted PEM private key (${(e as Error).message.split('\n')[0]}); ${GENERATE_HINT}`);
  }
  return requireEd25519(key, file, 'private key');
}

/** The key for `--public-key`: a PEM public key (a private key PEM also works: its public half is used). */
export async function loadPublicKey(file: string): Promise<KeyObject> {
  const pem = await readPem(file, 'public key');
  let key: KeyObject;
  try { key = createPublicKey(pem); } catch (e) {
    throw new A2mError(`${file}: not a PEM public key (${(e as Error).message.split('\n')[0]}); export one with \`openssl pkey -in key.pem -pubout -out key.pub.pem\``);
  }
  return requireEd25519(key, file, 'public key');
}

/** `sha256:<hex>` of the public key's DER (SubjectPublicKeyInfo): the same for a private key and its public half. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

/** Signs `dir`/manifest.json as it is on disk and writes `dir`/manifest.sig. */
export async function signBundle(dir: string, privateKey: KeyObject): Promise<SignatureFile> {
  const manifest = await readBundleFile(dir, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const sig: SignatureFile = {
    format: SIGNATURE_FORMAT, version: SIGNATURE_VERSION, algorithm: 'ed25519', signed: MANIFEST_FILE,
    publicKey: keyFingerprint(privateKey),
    signature: sign(null, manifest, privateKey).toString('base64'),
  };
  await writeFileAtomic(path.join(dir, SIGNATURE_FILE), JSON.stringify(sig, null, 2) + '\n');
  return sig;
}

/** Reads manifest.sig; null when absent, an A2mError when it is not one. */
export async function readSignature(dir: string): Promise<SignatureFile | null> {
  const file = path.join(dir, SIGNATURE_FILE);
  if (!existsSync(file)) return null;
  let s: Partial<SignatureFile>;
  const text = (await readBundleFile(dir, SIGNATURE_FILE, MAX_SIGNATURE_BYTES)).toString('utf8');
  try { s = JSON.parse(text) as Partial<SignatureFile>; } catch (e) {
    throw new A2mError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (s?.format !== SIGNATURE_FORMAT || s.algorithm !== 'ed25519' || s.signed !== MANIFEST_FILE || typeof s.signature !== 'string' || typeof s.publicKey !== 'string') {
    throw new A2mError(`${file}: expected an ${SIGNATURE_FORMAT} file (ed25519 signature of ${MANIFEST_FILE}, publicKey fingerprint)`);
  }
  return s as SignatureFile;
}

/**
 * Checks `dir`/manifest.sig against `publicKey`: present, made by that key,
 * and of manifest.json's current bytes. The files themselves are checked
 * against manifest.json by checkFiles (manifest.ts); both are needed.
 */
export async function checkBundleSignature(dir: string, publicKey: KeyObject): Promise<SignatureCheck> {
  const key = keyFingerprint(publicKey);
  const fail = (problem: string): SignatureCheck => ({ ok: false, key, problem });
  let sig: SignatureFile | null;
  try { sig = await readSignature(dir); } catch (e) { return fail((e as Error).message); }
  if (!sig) return fail(`${path.join(dir, SIGNATURE_FILE)}: missing (the bundle is not signed; build it with --sign)`);
  if (sig.publicKey !== key) return fail(`${SIGNATURE_FILE}: signed by key ${sig.publicKey.slice(0, 19)}…, not by the given key ${key.slice(0, 19)}…`);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestFile)) return fail(`${manifestFile}: missing (not an a2m bundle folder?)`);
  let manifest: Buffer;
  try { manifest = await readBundleFile(dir, MANIFEST_FILE, MAX_MANIFEST_BYTES); } catch (e) { return fail((e as Error).message); }
  // Ed25519 signatures are 64 bytes; anything else is damage, and verify would throw on some lengths.
  const bytes = Buffer.from(sig.signature, 'base64');
  if (bytes.length !== 64 || !verify(null, manifest, publicKey, bytes)) {
    return fail(`${MANIFEST_FILE}: does not match its signature in ${SIGNATURE_FILE} (changed after signing, or the signature is damaged)`);
  }
  return { ok: true, key };
}
