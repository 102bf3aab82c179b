/**
 * Bundle signatures (src/bundle/signature.ts): an ed25519 signature of
 * manifest.json in manifest.sig. On a hand-made bundle folder: a signed
 * folder verifies; a changed manifest, another key, a missing or damaged
 * signature fail; re-hashing a changed file fools the checksums but not the
 * signature; non-ed25519 keys are refused. Through the CLI, once: `a2m
 * bundle --sign` on a tiny model, then `a2m bundle verify --public-key`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { A2mError } from '../../src/errors.js';
import { BUNDLE_FORMAT, MANIFEST_FILE, SIGNATURE_FILE, checkFiles, fileEntries, listFiles, type BundleManifest } from '../../src/bundle/manifest.js';
import { checkBundleSignature, keyFingerprint, loadPublicKey, loadSigningKey, signBundle } from '../../src/bundle/signature.js';
import { projectRoot } from '../../src/util/paths.js';
import { randomizedCheckpoint, tempDir } from '../bundle/helpers.js';

interface Keys { privateFile: string; publicFile: string; privateKey: KeyObject; publicKey: KeyObject }

/** An ed25519 key pair, as PEM files in `dir`. */
function keyPair(dir: string, name: string): Keys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateFile = path.join(dir, `${name}.pem`), publicFile = path.join(dir, `${name}.pub.pem`);
  writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateFile, publicFile, privateKey, publicKey };
}

/** A folder shaped like a bundle: two files and a manifest.json listing them (no artifacts). */
async function handMadeBundle(dir: string): Promise<string> {
  const b = path.join(dir, 'bundle');
  mkdirSync(path.join(b, 'web'), { recursive: true });
  writeFileSync(path.join(b, 'README.md'), '# test bundle\n');
  writeFileSync(path.join(b, 'web', 'model.onnx'), Buffer.from([1, 2, 3, 4]));
  await writeManifest(b);
  return b;
}

async function writeManifest(b: string): Promise<void> {
  const m: BundleManifest = {
    format: BUNDLE_FORMAT, version: 1, name: 'audio2midi', targets: [], model: { preset: 'tiny', sha256: '0'.repeat(64), parameters: 0 },
    versions: {}, artifacts: [], parity: 'parity.json', files: await fileEntries(b),
  };
  writeFileSync(path.join(b, MANIFEST_FILE), JSON.stringify(m, null, 2) + '\n');
}

test('signature: sign and check a bundle folder', async (t) => {
  const tmp = tempDir(t, 'a2m-sign-');
  const mine = keyPair(tmp, 'mine'), other = keyPair(tmp, 'other');
  const b = await handMadeBundle(tmp);
  const sig = await signBundle(b, await loadSigningKey(mine.privateFile));
  const pub = await loadPublicKey(mine.publicFile);
  assert.equal(sig.publicKey, keyFingerprint(pub), 'the fingerprint names the public half');
  assert.equal(keyFingerprint(mine.privateKey), keyFingerprint(mine.publicKey), 'a private key and its public half share a fingerprint');
  assert.match(sig.publicKey, /^sha256:[0-9a-f]{64}$/);

  await t.test('the signed folder verifies; manifest.sig is neither listed nor "unlisted"', async () => {
    assert.deepEqual(await checkBundleSignature(b, pub), { ok: true, key: sig.publicKey });
    assert.ok(!(await listFiles(b)).includes(SIGNATURE_FILE));
    assert.deepEqual(await checkFiles(b, JSON.parse(readFileSync(path.join(b, MANIFEST_FILE), 'utf8'))), []);
  });

  await t.test('a private key PEM given as the public key works (its public half)', async () => {
    assert.equal((await checkBundleSignature(b, await loadPublicKey(mine.privateFile))).ok, true);
  });

  await t.test('another key fails, naming both fingerprints', async () => {
    const r = await checkBundleSignature(b, other.publicKey);
    assert.equal(r.ok, false);
    assert.match(r.problem!, /signed by key sha256:[0-9a-f]{12}…, not by the given key sha256:[0-9a-f]{12}…/);
  });

  await t.test('a forged fingerprint does not help: the signature is checked with the given key', async () => {
    const c = path.join(tmp, 'forged');
    rmSync(c, { recursive: true, force: true });
    mkdirSync(c);
    for (const f of ['README.md', MANIFEST_FILE]) writeFileSync(path.join(c, f), readFileSync(path.join(b, f)));
    mkdirSync(path.join(c, 'web'));
    writeFileSync(path.join(c, 'web', 'model.onnx'), Buffer.from([1, 2, 3, 4]));
    await signBundle(c, other.privateKey);
    const s = JSON.parse(readFileSync(path.join(c, SIGNATURE_FILE), 'utf8'));
    writeFileSync(path.join(c, SIGNATURE_FILE), JSON.stringify({ ...s, publicKey: keyFingerprint(pub) }));
    const r = await checkBundleSignature(c, pub);
    assert.equal(r.ok, false);
    assert.match(r.problem!, /does not match its signature/);
  });

  await t.test('a changed file re-hashed into manifest.json passes the checksums but fails the signature', async () => {
    const c = path.join(tmp, 'rehashed');
    rmSync(c, { recursive: true, force: true });
    mkdirSync(path.join(c, 'web'), { recursive: true });
    writeFileSync(path.join(c, 'README.md'), '# test bundle\n');
    writeFileSync(path.join(c, 'web', 'model.onnx'), Buffer.from([9, 9, 9, 9])); // the "malicious" model
    await writeManifest(c); // the attacker re-hashes
    writeFileSync(path.join(c, SIGNATURE_FILE), readFileSync(path.join(b, SIGNATURE_FILE)));
    assert.deepEqual(await checkFiles(c, JSON.parse(readFileSync(path.join(c, MANIFEST_FILE), 'utf8'))), [], 'checksums alone are fooled');
    const r = await checkBundleSignature(c, pub);
    assert.equal(r.ok, false);
    assert.match(r.problem!, /manifest\.json: does not match its signature in manifest\.sig \(changed after signing/);
  });

  await t.test('a damaged signature, a missing one, an unreadable one fail', async () => {
    const s = JSON.parse(readFileSync(path.join(b, SIGNATURE_FILE), 'utf8'));
    const bytes = Buffer.from(s.signature, 'base64');
    bytes[0]! ^= 1;
    writeFileSync(path.join(b, SIGNATURE_FILE), JSON.stringify({ ...s, signature: bytes.toString('base64') }));
    assert.match((await checkBundleSignature(b, pub)).problem!, /does not match its signature/);
    writeFileSync(path.join(b, SIGNATURE_FILE), JSON.stringify({ ...s, signature: 'AAAA' }));
    assert.match((await checkBundleSignature(b, pub)).problem!, /does not match its signature/, 'a short signature is damage, not a crash');
    writeFileSync(path.join(b, SIGNATURE_FILE), '{ not json');
    assert.match((await checkBundleSignature(b, pub)).problem!, /manifest\.sig: not valid JSON/);
    rmSync(path.join(b, SIGNATURE_FILE));
    assert.match((await checkBundleSignature(b, pub)).problem!, /manifest\.sig: missing \(the bundle is not signed/);
  });
});

test('signature: only ed25519 keys are taken', async (t) => {
  const tmp = tempDir(t, 'a2m-sign-');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files: Record<string, string> = {
    'rsa.pem': rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    'rsa.pub.pem': rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    'ec.pem': ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    'ed.pub.pem': generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string,
    'junk.pem': 'not a key\n',
  };
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(tmp, f), text);
  const at = (f: string) => path.join(tmp, f);
  await assert.rejects(loadSigningKey(at('rsa.pem')), (e: Error) => e instanceof A2mError && /rsa\.pem: key type rsa; .*ed25519/.test(e.message));
  await assert.rejects(loadSigningKey(at('ec.pem')), (e: Error) => e instanceof A2mError && /key type ec; .*ed25519/.test(e.message));
  await assert.rejects(loadPublicKey(at('rsa.pub.pem')), (e: Error) => e instanceof A2mError && /key type rsa; .*ed25519 public key/.test(e.message));
  await assert.rejects(loadSigningKey(at('ed.pub.pem')), (e: Error) => e instanceof A2mError && /a public key; --sign takes the ed25519 private key/.test(e.message));
  await assert.rejects(loadSigningKey(at('junk.pem')), (e: Error) => e instanceof A2mError && /junk\.pem: not an unencrypted PEM private key/.test(e.message));
  await assert.rejects(loadPublicKey(at('nope.pem')), (e: Error) => e instanceof A2mError && /nope\.pem: missing/.test(e.message));
});

test('CLI: bundle --sign, bundle verify --public-key', async (t) => {
  const tmp = tempDir(t, 'a2m-sign-');
  const { ckpt } = await randomizedCheckpoint(tmp);
  const mine = keyPair(tmp, 'mine'), other = keyPair(tmp, 'other');
  const b = path.join(tmp, 'b');
  const a2m = (...args: string[]) => spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'a2m.js'), ...args], {
    encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', A2M_DEV: '1' }, // the sources, not a possibly stale dist/
  });

  // The cheapest target (one TFLite artifact) and one golden case: the signature does not depend on what is bundled.
  const built = a2m('bundle', ckpt, '-t', 'android', '--golden-cases', 'silence', '-o', b, '--sign', mine.privateFile);
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, new RegExp(`manifest.json signed by ${keyFingerprint(mine.publicKey)} \\(manifest.sig\\)`));

  const ok = a2m('bundle', 'verify', b, '--public-key', mine.publicFile);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^ok {3}manifest\.json signed by sha256:/m);
  assert.match(ok.stdout, /tflite +fp32 .* PASS/, 'parity still runs after the signature passed');
  assert.match(ok.stdout, /bundle verified \(signed by sha256:[0-9a-f]{12}…\)/);

  const unchecked = a2m('bundle', 'verify', b, '--no-parity');
  assert.equal(unchecked.status, 0, unchecked.stderr);
  assert.match(unchecked.stdout, /origin not checked \(no --public-key\).*manifest\.sig by sha256:[0-9a-f]{12}…, unchecked/);
  assert.match(unchecked.stdout, /bundle verified \(origin not checked\)/);

  const wrong = a2m('bundle', 'verify', b, '--public-key', other.publicFile);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stdout, /FAIL signature: manifest\.sig: signed by key/);
  assert.match(wrong.stderr, /a2m: error: .*signature check failed against .*other\.pub\.pem/);
  assert.doesNotMatch(wrong.stdout, /PASS/, 'no artifact of a bundle of unknown origin is run');

  // A changed file with the manifest untouched: the signature holds, the checksum catches it.
  writeFileSync(path.join(b, 'README.md'), 'changed\n');
  const changed = a2m('bundle', 'verify', b, '--public-key', mine.publicFile, '--no-parity');
  assert.equal(changed.status, 1);
  assert.match(changed.stdout, /^ok {3}manifest\.json signed/m);
  assert.match(changed.stdout, /FAIL README\.md: /);

  rmSync(path.join(b, SIGNATURE_FILE));
  const unsigned = a2m('bundle', 'verify', b, '--public-key', mine.publicFile, '--no-parity');
  assert.equal(unsigned.status, 1);
  assert.match(unsigned.stdout, /FAIL signature: .*manifest\.sig: missing \(the bundle is not signed; build it with --sign\)/);
});
