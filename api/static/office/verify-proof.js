// The regulator's check, in this browser, that an event of a history page is in the tamper-evident log (R-REC-4).
//
// A button [data-verify="POSITION"] (its leaf hash shown in the element its data-leaf names, its outcome written
// into the live region its aria-describedby names) fetches /office/log/proof?position=POSITION and checks, trusting
// none of the server's conclusions, as api/log_verify.py does offline:
//   1. the entry is one entry in format 1 holding that log position (registry/entries.py);
//   2. SHA-256(0x00 ‖ entry) is the leaf hash shown on the page (RFC 9162 §2.1.1);
//   3. the audit path leads from that leaf to the root the checkpoint's note signs (RFC 9162 §2.1.3.2),
//      nodes SHA-256(0x01 ‖ left ‖ right);
//   4. the note is the checkpoint's origin, size and root in their one spelling (C2SP tlog-checkpoint);
//   5. the key is the published checkpoint key the checkpoint names (its id: the first 16 hex digits of SHA-256 of
//      the raw key), not one whose private half was published, and was not retired before the checkpoint's time;
//   6. both Ed25519 signatures hold under it: the note's, and the time's ("cosignature/v1\ntime SECONDS\n" + note);
//   7. each line of the signed note by a configured witness (its verifier key: name+hex key id+base64(0x04 ‖ key),
//      the key id SHA-256(name ‖ \n ‖ 0x04 ‖ key)[:4]) holds: Ed25519 over "cosignature/v1\ntime T\n" + note, T the
//      line's first 8 bytes after the key id (c2sp.org/tlog-cosignature); the outcome says whether the quorum did.
// The outcome is said in words, Chinese first, English second. WebCrypto only: crypto.subtle.digest and, for
// Ed25519, crypto.subtle.importKey and verify. No inline script, no eval (the office's CSP is script-src 'self').
"use strict";

(() => {
  const utf8 = new TextEncoder();

  class Failure extends Error {
    constructor(zh, en) {
      super(en);
      this.zh = zh;
      this.en = en;
    }
  }

  const fail = (zh, en) => { throw new Failure(zh, en); };

  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  function fromHex(text, what) {
    if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) {
      fail(`${what[0]}不是十六进制`, `${what[1]} is not lowercase hex`);
    }
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return out;
  }

  function toBase64(bytes) {
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  }

  // Standard base64 in its one canonical spelling, as api/log_verify.py's _b64 accepts it.
  function fromBase64(text, what) {
    let binary;
    try {
      binary = typeof text === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? atob(text) : null;
    } catch (e) {
      binary = null;
    }
    const bytes = binary === null ? null : Uint8Array.from(binary, (c) => c.charCodeAt(0));
    if (bytes === null || toBase64(bytes) !== text) {
      fail(`${what[0]}不是规范的 base64`, `${what[1]} is not canonical base64`);
    }
    return bytes;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  // An unsigned big-endian integer of bytes [at, at + n), as a BigInt (positions run to 2**63 - 1).
  function uint(bytes, at, n) {
    let value = 0n;
    for (let i = at; i < at + n; i += 1) value = (value << 8n) | BigInt(bytes[i]);
    return value;
  }

  // registry/entries.py, Entry.decode: 0x01 ‖ position (8) ‖ originator id (16) ‖ version (8) ‖ topic length (2)
  // ‖ topic ‖ state length (4) ‖ state.
  function readEntry(data) {
    const head = 1 + 8 + 16 + 8 + 2;
    if (data.length < head + 4) {
      fail(`记录字节不完整（${data.length} 字节）`, `the entry is cut short (${data.length} bytes)`);
    }
    if (data[0] !== 1) fail(`记录格式为 ${data[0]}，不是 1`, `the entry is in format ${data[0]}, not 1`);
    const topicLength = Number(uint(data, 33, 2));
    if (data.length < head + topicLength + 4) fail("记录在主题中途结束", "the entry ends inside its topic");
    const stateLength = Number(uint(data, head + topicLength, 4));
    const state = data.length - head - topicLength - 4;
    if (state !== stateLength) {
      fail(`记录的状态长度为 ${state} 字节，但其长度字段为 ${stateLength}`,
        `the entry's state is ${state} bytes but its length says ${stateLength}`);
    }
    return { position: uint(data, 1, 8) };
  }

  // RFC 9162 §2.1.3.2 (registry/merkle.py, root_from_inclusion): the root a leaf and its audit path lead to.
  async function rootFromInclusion(index, size, leaf, path) {
    if (!(index >= 0n && index < size)) fail(`叶 ${index} 不在大小为 ${size} 的树中`, `leaf ${index} is not in a tree of ${size}`);
    let fn = index;
    let sn = size - 1n;
    let r = leaf;
    for (const p of path) {
      if (sn === 0n) fail("审计路径过长", "the audit path is too long");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) {
          while (fn !== 0n && (fn & 1n) === 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail("审计路径过短", "the audit path is too short");
    return r;
  }

  const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/;

  // Unix seconds of a YYYY-MM-DDTHH:MM:SSZ time since 1970 (a real date and time), or null.
  function seconds(stamp) {
    const m = typeof stamp === "string" ? TIMESTAMP.exec(stamp) : null;
    if (!m) return null;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(ms);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59
        || s > 59 || ms < 0) {
      return null;
    }
    return ms / 1000;
  }

  // api/log_verify.py, _read_checkpoint: the fields, each in its one spelling, and the note agreeing with them.
  function readCheckpoint(c) {
    if (!c || !Number.isInteger(c.size) || c.size < 1) fail("检查点的树大小不是正整数", "the checkpoint's size is not a whole number of leaves");
    for (const f of ["root_hash", "timestamp", "key_id", "origin", "note", "signature", "timestamp_signature"]) {
      if (typeof c[f] !== "string") fail(`检查点缺少 ${f}`, `the checkpoint has no ${f}`);
    }
    if (!/^[0-9a-f]{64}$/.test(c.root_hash)) fail("检查点的树根不是 64 位十六进制", "the checkpoint's root hash is not 64 hex digits");
    const at = seconds(c.timestamp);
    if (at === null) fail("检查点的时间格式不对", "the checkpoint's timestamp is not YYYY-MM-DDTHH:MM:SSZ");
    if (!/^[\x21-\x7e]+$/.test(c.origin)) fail("检查点的来源不是无空格的可打印 ASCII", "the checkpoint's origin is not printable ASCII without spaces");
    const root = fromHex(c.root_hash, ["检查点的树根", "the checkpoint's root hash"]);
    if (c.note !== `${c.origin}\n${c.size}\n${toBase64(root)}\n`) {
      fail("检查点签名的正文与其来源、树大小、树根不符", "the checkpoint's note does not say its origin, size and root hash");
    }
    return { size: BigInt(c.size), root, seconds: at };
  }

  async function checkSignatures(c, at, key, leakedIds) {
    if (!key || key.key_id !== c.key_id || key.use !== "checkpoint" || key.algorithm !== "Ed25519") {
      fail(`公布的密钥中没有签署该检查点的检查点密钥 ${c.key_id}`, `the published keys hold no checkpoint key ${c.key_id}, which signed the checkpoint`);
    }
    const raw = fromBase64(key.public_key, ["公钥", "the public key"]);
    if (raw.length !== 32) fail("公钥不是 32 字节", "the public key is not 32 bytes");
    if (toHex(await sha256(raw)).slice(0, 16) !== c.key_id) {
      fail(`密钥 ${c.key_id} 与其公钥不符`, `key ${c.key_id} is not the id of its public key`);
    }
    if (leakedIds.includes(c.key_id)) {
      fail(`检查点由私钥已公开的密钥 ${c.key_id} 签署，其签名不能证明任何事`,
        `the checkpoint is signed by key ${c.key_id}, whose private half was published: its signature proves nothing`);
    }
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail(`此浏览器无法核对 Ed25519 签名（${e.name}）`, `this browser cannot check Ed25519 signatures (${e.name})`);
    }
    const note = utf8.encode(c.note);
    const signed = [
      [note, c.signature, ["检查点正文的签名", "the note signature"]],
      [concat(utf8.encode(`cosignature/v1\ntime ${at}\n`), note), c.timestamp_signature, ["检查点时间的签名", "the time signature"]],
    ];
    for (const [message, signature, what] of signed) {
      const bytes = fromBase64(signature, what);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, bytes, message))) {
        fail(`${what[0]}在密钥 ${c.key_id} 下不成立：检查点被伪造或篡改`,
          `${what[1]} of the checkpoint does not hold under key ${c.key_id}: it was forged or altered`);
      }
    }
    if (key.valid_until) {
      const until = seconds(key.valid_until);
      if (until === null || at > until) {
        fail(`检查点（${c.timestamp}）由 ${key.valid_until} 已停用的密钥 ${c.key_id} 签署`,
          `the checkpoint (${c.timestamp}) is signed by key ${c.key_id}, retired at ${key.valid_until}`);
      }
    }
  }

  // A witness's verifier key (c2sp.org/tlog-cosignature, type 0x04), checked against its own key id.
  async function witnessKey(vkey) {
    const parts = typeof vkey === "string" ? vkey.split("+") : [];
    const what = ["见证人的公钥", "a witness's verifier key"];
    if (parts.length < 3) fail(`${what[0]}格式不对`, `${what[1]} is not name+id+key`);
    const name = parts[0];
    const key = fromBase64(parts.slice(2).join("+"), what);
    if (key.length !== 33 || key[0] !== 4) fail(`${what[0]}不是 cosignature/v1 的 Ed25519 公钥`, `${what[1]} is not an Ed25519 cosignature/v1 key`);
    const id = (await sha256(concat(utf8.encode(`${name}\n`), key))).slice(0, 4);
    if (toHex(id) !== parts[1]) fail(`${what[0]}的密钥 ID 与其公钥不符`, `${what[1]} does not carry its key's id`);
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      fail(`此浏览器无法核对 Ed25519 签名（${e.name}）`, `this browser cannot check Ed25519 signatures (${e.name})`);
    }
    return { name, id, publicKey };
  }

  // The configured witnesses whose cosignature lines in the signed note hold; one that does not hold fails.
  async function cosigners(c, vkeys) {
    const keys = [];
    for (const vkey of vkeys) keys.push(await witnessKey(vkey));
    const note = utf8.encode(c.note);
    const lines = typeof c.signed_note === "string" && c.signed_note.startsWith(`${c.note}\n`)
      ? c.signed_note.slice(c.note.length + 1).split("\n").filter((l) => l) : [];
    const found = new Set();
    for (const line of lines) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) fail("检查点的签名行格式不对", "a signature line of the checkpoint is malformed");
      const bytes = fromBase64(m[2], ["签名行", "a signature line"]);
      const key = keys.find((k) => k.name === m[1] && bytes.length >= 4 && equal(k.id, bytes.slice(0, 4)));
      if (!key) continue; // the log's own lines, and witnesses not configured
      if (bytes.length !== 4 + 8 + 64) fail(`见证人 ${key.name} 的副署长度不对`, `the cosignature of ${key.name} is not 76 bytes`);
      const time = uint(bytes, 4, 8);
      const message = concat(utf8.encode(`cosignature/v1\ntime ${time}\n`), note);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, key.publicKey, bytes.slice(12), message))) {
        fail(`见证人 ${key.name} 的副署不成立：检查点或副署被篡改`, `the cosignature of ${key.name} does not hold: the checkpoint or the cosignature was altered`);
      }
      found.add(key.name);
    }
    return found.size;
  }

  function witnessing(count, total, quorum) {
    if (!total) return ["", ""];
    if (count >= quorum) {
      return [`已见证：${total} 位见证人中 ${count} 位的副署在本浏览器中核验有效。`,
        ` Witnessed by ${count} of ${total}: their cosignatures hold in this browser.`];
    }
    return [`未达到见证法定数：${total} 位见证人中 ${count} 位副署，需要 ${quorum} 位。`,
      ` Not witnessed by the quorum: ${count} of ${total} cosigned, ${quorum} needed.`];
  }

  // The whole check of one event; answers what the outcome says when it holds, throws a Failure otherwise.
  async function verify(position, shownLeaf, answer) {
    const entry = answer.entry || {};
    const proof = answer.proof || {};
    const data = fromBase64(entry.entry, ["记录字节", "the entry"]);
    const read = readEntry(data);
    if (read.position !== position) {
      fail(`记录字节中的日志位置为 ${read.position}，不是 ${position}`, `the entry holds log position ${read.position}, not ${position}`);
    }
    const leaf = await leafHash(data);
    if (toHex(leaf) !== shownLeaf) {
      fail(`由记录字节重新计算的叶哈希 ${toHex(leaf)} 与页面所示 ${shownLeaf} 不同`,
        `the leaf hash recomputed from the entry, ${toHex(leaf)}, differs from the one shown, ${shownLeaf}`);
    }
    const checkpoint = readCheckpoint(answer.checkpoint);
    if (!Number.isInteger(proof.leaf_index) || proof.leaf_index !== entry.leaf_index) {
      fail("证明与记录的叶序号不一致", "the proof and the entry name different leaf indexes");
    }
    if (!Array.isArray(proof.audit_path)) fail("证明缺少审计路径", "the proof has no audit path");
    const path = proof.audit_path.map((p) => fromHex(p, ["审计路径中的哈希", "a hash of the audit path"]));
    if (path.some((p) => p.length !== 32)) fail("审计路径中的哈希不是 32 字节", "a hash of the audit path is not 32 bytes");
    const root = await rootFromInclusion(BigInt(proof.leaf_index), checkpoint.size, leaf, path);
    if (!equal(root, checkpoint.root)) {
      fail(`由审计路径重新计算的树根 ${toHex(root)} 与检查点签署的树根 ${toHex(checkpoint.root)} 不同：该事件不在已签署的树中`,
        `the root recomputed from the audit path, ${toHex(root)}, differs from the signed root ${toHex(checkpoint.root)}: the event is not in the signed tree`);
    }
    await checkSignatures(answer.checkpoint, checkpoint.seconds, answer.key, answer.leaked_key_ids || []);
    const c = answer.checkpoint;
    const vkeys = Array.isArray(answer.witness_keys) ? answer.witness_keys : [];
    const [witnessedZh, witnessedEn] = witnessing(await cosigners(c, vkeys), vkeys.length, c.witness_quorum);
    return [
      `已验证：日志位置 ${position} 的事件（叶 ${proof.leaf_index}）包含在树大小为 ${c.size} 的最新检查点中（签署于 ${c.timestamp}）；`
        + `在本浏览器中重新计算的叶哈希和树根一致，检查点签名有效（密钥 ${c.key_id}）。${witnessedZh}`,
      `Verified: the event at log position ${position} (leaf ${proof.leaf_index}) is in the latest checkpoint, of tree size ${c.size} `
        + `(signed ${c.timestamp}); the leaf hash and root recomputed in this browser match, and the checkpoint's signatures hold under key ${c.key_id}.`
        + witnessedEn,
    ];
  }

  function say(outcome, state, zh, en) {
    const strong = document.createElement("strong");
    strong.textContent = zh;
    const english = document.createElement("span");
    english.className = "en";
    english.textContent = en;
    outcome.dataset.state = state;
    outcome.replaceChildren(strong, english);
  }

  async function fetchProof(position) {
    let response;
    try {
      response = await fetch(`/office/log/proof?position=${position}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (e) {
      fail("无法连接服务器取得证明", "the proof could not be fetched: the server did not answer");
    }
    if (response.redirected || !response.ok) {
      let detail = response.redirected ? "请重新登录 / sign in again" : "";
      try {
        detail = detail || (await response.json()).detail || "";
      } catch (e) {
        detail = detail || response.statusText;
      }
      fail(`无法取得证明（${response.status}）：${detail}`, `the proof could not be fetched (${response.status}): ${detail}`);
    }
    try {
      return await response.json();
    } catch (e) {
      return fail("服务器的回答不是 JSON", "the server's answer is not JSON");
    }
  }

  async function check(button) {
    const position = BigInt(button.dataset.verify);
    const shown = document.getElementById(button.dataset.leaf);
    const outcome = document.getElementById(button.getAttribute("aria-describedby"));
    if (!shown || !outcome) return;
    button.disabled = true;
    say(outcome, "working", "正在验证……", "Verifying…");
    try {
      if (!(window.crypto && crypto.subtle)) {
        fail("此浏览器不提供 WebCrypto（需要 https 或本机地址）", "this browser offers no WebCrypto here (it needs https or localhost)");
      }
      const answer = await fetchProof(position);
      const [zh, en] = await verify(position, shown.textContent.trim(), answer);
      say(outcome, "verified", zh, en);
    } catch (e) {
      const [zh, en] = e instanceof Failure ? [e.zh, e.en] : ["检查时出错", `the check went wrong: ${e}`];
      say(outcome, "failed", `未通过验证：${zh}。`, `NOT verified: ${en}.`);
    } finally {
      button.disabled = false;
    }
  }

  function install() {
    for (const button of document.querySelectorAll("button[data-verify]")) {
      button.addEventListener("click", () => { check(button); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", install);
  } else {
    install();
  }
})();
