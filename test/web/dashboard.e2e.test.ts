// End to end in a real browser: a real `fairway server` child process and a real `fairway agent`, tenants and jobs
// made through the API, then Debian's chromium (driven by playwright-core) opens the dashboard the coordinator
// serves at `/` and we check what a person would see. Screenshots land in artifacts/web/ (git-ignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hasShared, repoRoot } from '../../src/paths.ts';
import { stopProcess } from '../e2e/cluster.ts';
import { connectGrid } from '../../src/grid/connect.ts';
import { redisUnavailableReason, startRedisServers, type RedisServers } from '../grid/redis-servers.ts';

const ADMIN = 'web-e2e-admin-token-0123456789';
const JOIN = 'web-e2e-join-token-0123456789';
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(repoRoot, 'artifacts', 'web');
const FAIRWAY = join(repoRoot, 'bin', 'fairway.js');

/** A stand-in training process: prints the job protocol's progress lines (docs/sdk.md) a few times a second. */
const PROGRESS_JOB = `
const id = process.env.FAIRWAY_JOB_ID, total = 2000; let step = 0;
const out = (o) => console.log(JSON.stringify({ fw: 1, jobId: id, atMs: Date.now(), ...o }));
out({ type: 'start', model: 'mlp', backend: 'cpu', dataset: 'synthetic', dataSource: 'generated', dataNote: 'e2e', trainItems: 1000,
  testItems: 100, epochs: 4, batchSize: 2, stepsPerEpoch: 500, totalSteps: total, seed: 1, checkpointStore: 'none', resumedFromStep: null });
const t = setInterval(() => {
  step += 5;
  out({ type: 'progress', step, epoch: Math.floor(step / 500), totalSteps: total, loss: 2 / (1 + step / 50), accuracy: Math.min(0.95, step / 400), samplesPerS: 180 + (step % 7) });
  if (step >= total) { clearInterval(t); out({ type: 'done', step, epoch: 3, loss: 0.1, testLoss: 0.2, testAccuracy: 0.9, samplesPerS: 180, trainingMs: 1 }); }
}, 250);
process.on('SIGTERM', () => process.exit(0));`;

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startServer(dataDir: string, gridUrl: string): Promise<{ child: ChildProcess; url: string }> {
  // A forecast step every 500 ms (default 5 s), so the load forecast has a history within the test.
  const child = spawn(process.execPath, [FAIRWAY, 'server', '--port', '0', '--data-dir', dataDir, '--admin-token', ADMIN, '--join-token', JOIN, '--sync', 'normal',
    '--grid', gridUrl, '--forecast-step-ms', '500'], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => reject(new Error(`fairway server exited with ${code}: ${out}`)));
  });
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.fill('#token', token);
  await page.click('form.login button');
  await page.waitForSelector('[data-testid=who]');
}

test('the dashboard shows tenants, live job progress, why a job waits, and a tenant sees only its own jobs', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  assert.equal(redisUnavailableReason(), undefined, 'the grid memory column is checked against a real redis-server (apt-get install redis-server)');
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-web.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  assert.equal(built.status, 0, 'the dashboard builds');
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'fw-web-e2e-'));
  const children: ChildProcess[] = [];
  let browser: Browser | undefined;
  let redis: RedisServers | undefined;
  // A real simulator result for the report view, made alongside the live cluster (it takes a few seconds): the
  // bundled trace when ../shared is there, else the synthetic paper scenario.
  const simOut = new Promise<string>((resolve, reject) => {
    const sim = spawn(process.execPath, [FAIRWAY, 'sim', '--json', '--series', '--policy', 'fifo,drf', ...(hasShared() ? [] : ['--scenario', 'paper'])], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(sim);
    let out = '';
    sim.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    sim.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`fairway sim exited with ${code}`))));
  });
  try {
    // The coordinator reads per-tenant usage from the grid jobs use (as `fairway up` gives it its redis-server).
    redis = await startRedisServers({ cluster: false, own: true });
    const server = await startServer(dir, redis.standaloneUrl);
    children.push(server.child);
    const url = server.url;
    const agent = spawn(process.execPath, [FAIRWAY, 'agent', '--coordinator', url, '--join-token', JOIN, '--name', 'node-a', '--cpus', '1',
      '--memory-mib', '1000', '--gpus', '0', '--heartbeat-ms', '300', '--quiet'], { cwd: repoRoot, stdio: 'ignore' });
    children.push(agent);

    const acme = (await api(url, ADMIN, 'POST', '/v1/tenants', { id: 'acme', quota: { cpu: 0.5 } })) as { token: string };
    const globex = (await api(url, ADMIN, 'POST', '/v1/tenants', { id: 'globex' })) as { token: string };
    await waitFor('node-a ready', async () => ((await api(url, ADMIN, 'GET', '/v1/nodes')) as { nodes: { id: string; status: string }[] }).nodes.some((n) => n.id === 'node-a' && n.status === 'ready'));
    // acme's job data in the grid: 1.5 MiB in one key, read back once (as a job's SDK would through FAIRWAY_GRID).
    const gridBytes = 1.5 * 1024 * 1024;
    const grid = await connectGrid(redis.standaloneUrl);
    try {
      await grid.namespace('acme').set('e2e/blob', new Uint8Array(gridBytes));
      assert.ok(await grid.namespace('acme').get('e2e/blob'));
    } finally {
      await grid.close();
    }

    const submit = async (token: string, name: string, request: Record<string, number>, command: string[], extra: Record<string, unknown> = {}): Promise<string> =>
      ((await api(url, token, 'POST', '/v1/jobs', { name, request, command, ...extra })) as { id: string }).id;
    // With an expected duration, the jobs queued behind it get an estimated start from the queue.
    const trainer = await submit(acme.token, 'trainer', { cpu: 0.5, memoryMiB: 200 }, [process.execPath, '-e', PROGRESS_JOB], { preemptible: false, expectedDurationMs: 120_000 });
    const quick = await submit(acme.token, 'quick', { cpu: 0.1, memoryMiB: 50 }, [process.execPath, '-e', "console.log('hi')"]);
    await waitFor('trainer running', async () => ((await api(url, ADMIN, 'GET', `/v1/jobs/${trainer}`)) as { state: string }).state === 'running');
    // Fits the node, but not beside the running trainer (0.5 of 1 CPU taken): it waits, with the scheduler's reason.
    const huge = await submit(globex.token, 'huge', { cpu: 0.6, memoryMiB: 200 }, [process.execPath, '-e', '0']);
    await waitFor('trainer running and quick finished', async () => {
      const t = (await api(url, ADMIN, 'GET', `/v1/jobs/${trainer}`)) as { state: string };
      const q = (await api(url, ADMIN, 'GET', `/v1/jobs/${quick}`)) as { state: string };
      return t.state === 'running' && q.state === 'succeeded';
    });
    let hugeView: { state: string; waiting?: { reasons: { message: string }[]; estimatedStartAt: string | null; estimate?: { basis: string; note: string } } } = { state: '' };
    await waitFor('a reason for the huge job', async () => {
      hugeView = (await api(url, ADMIN, 'GET', `/v1/jobs/${huge}`)) as typeof hugeView;
      return hugeView.state === 'pending' && (hugeView.waiting?.reasons.length ?? 0) > 0;
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });

    // ---- admin ----
    const admin = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const pageErrors: string[] = [];
    admin.on('pageerror', (e) => pageErrors.push(e.message));
    admin.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') pageErrors.push(`console ${m.type()}: ${m.text()}`); });
    await signIn(admin, url, ADMIN);
    assert.equal(await admin.textContent('[data-testid=who]'), 'admin');
    await admin.waitForSelector('[data-testid=nodes] tr[data-node=node-a]');
    await admin.waitForSelector('[data-testid=live][data-state=live]');

    await admin.click('nav a[data-tab=tenants]');
    await admin.waitForSelector('[data-testid=tenants] tr[data-tenant=globex]');
    const tenantRows = await admin.$$eval('[data-testid=tenants] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-tenant')));
    assert.deepEqual(tenantRows, ['acme', 'globex']);
    // Grid memory per tenant, as the coordinator read it from the grid: 1.5 MiB → 2 MiB (rounded up), one key, one hit.
    // The coordinator reads the grid every 2 s, so the page may first show a reading from before the write, or one
    // taken between the write and the read-back (the bytes, no hit yet): wait for one that has both (a reading that
    // never comes fails here).
    const acmeGrid = admin.locator(`[data-testid=grid-acme][data-bytes="${gridBytes}"]`);
    const acmeText = /^2\s*1 key · 100% hits$/;
    await acmeGrid.waitFor({ timeout: 15_000 });
    await waitFor('the grid reading after the write and the read', async () => acmeText.test((await acmeGrid.textContent()) ?? ''), 15_000);
    assert.match((await acmeGrid.textContent())!, acmeText);
    assert.match((await admin.locator('[data-testid=grid-globex]').textContent())!, /^0\s*0 keys$/);

    await admin.click('nav a[data-tab=jobs]');
    // The pending job shows the scheduler's own reason (taken from the API, not written here).
    const why = admin.locator(`[data-testid="why-${huge}"]`);
    await why.waitFor();
    await waitFor('the reason on the page', async () => (await why.textContent())!.includes(hugeView.waiting!.reasons[0]!.message));
    // Its estimated start: from the queue (the trainer's expected end), with the coordinator's note on how (and why
    // no nodes are reserved for it yet).
    assert.equal(hugeView.waiting?.estimate?.basis, 'queue');
    assert.ok(hugeView.waiting?.estimatedStartAt);
    const eta = admin.locator(`[data-testid="eta-${huge}"][data-basis=queue]`);
    await eta.waitFor();
    assert.match((await eta.textContent())!, /from the queue/);
    assert.ok((await eta.textContent())!.includes(hugeView.waiting!.estimate!.note));
    assert.match(hugeView.waiting!.estimate!.note, /no reservation yet/);
    // Its detail panel says the same.
    await admin.click(`[data-testid=pending] [data-open-job="${huge}"]`);
    const waitingDetail = admin.locator('[data-testid=detail-waiting]');
    await waitingDetail.waitFor();
    assert.ok((await waitingDetail.textContent())!.includes(hugeView.waiting!.estimate!.note));
    await admin.click('[data-testid=job-detail] a.close');
    await admin.locator('[data-testid=job-detail]').waitFor({ state: 'detached' });
    // The finished job carries its outcome.
    await admin.waitForSelector(`[data-testid=finished] tr[data-job="${quick}"][data-state=succeeded]`);
    // The running job's progress moves while we watch, without a reload.
    const progress = admin.locator(`[data-testid="progress-${trainer}"]`);
    const stepOf = async (): Promise<number> => Number(/step (\d+)\/2000/.exec((await progress.textContent()) ?? '')?.[1] ?? -1);
    await waitFor('progress on the page', async () => (await stepOf()) > 0);
    // Once caught up, progress comes from the event stream (`logs` events), not from polling the job's logs: over
    // 40 steps (2 s of the job, two polls of the 1 s fallback) the page reads no log page of it.
    const logReads: string[] = [];
    const onRequest = (r: { url(): string }): void => { if (r.url().includes(`/v1/jobs/${trainer}/logs`)) logReads.push(r.url()); };
    admin.on('request', onRequest);
    const first = await stepOf();
    await waitFor('progress moving', async () => (await stepOf()) > first + 40);
    admin.off('request', onRequest);
    assert.deepEqual(logReads, [], 'no log polling while the stream is live');
    assert.match((await progress.textContent())!, /samples\/s/);
    // A job's name opens its detail: its events and last log lines.
    await admin.click(`[data-testid=running] [data-open-job="${trainer}"]`);
    const detail = admin.locator('[data-testid=job-detail]');
    await detail.waitFor();
    await waitFor('the detail panel filled', async () => /started/.test((await detail.textContent()) ?? '') && /"type":"progress"/.test((await detail.textContent()) ?? ''));
    await admin.screenshot({ path: join(ARTIFACTS, 'job-detail.png') });
    await admin.click('[data-testid=job-detail] a.close');
    await detail.waitFor({ state: 'detached' });
    // A job submitted now appears live.
    const late = await submit(globex.token, 'late', { cpu: 0.7, memoryMiB: 100 }, [process.execPath, '-e', '0']);
    await admin.waitForSelector(`[data-testid=pending] tr[data-job="${late}"]`, { timeout: 15_000 });
    // The state filter narrows the list.
    await admin.selectOption('[data-testid=filter-state]', 'pending');
    assert.equal(await admin.locator(`[data-job="${trainer}"]`).count(), 0, 'a running job is hidden by the pending filter');
    assert.equal(await admin.locator(`[data-job="${huge}"]`).count(), 1);
    await admin.selectOption('[data-testid=filter-state]', '');
    await admin.waitForSelector(`[data-testid=running] [data-job="${trainer}"]`);
    await admin.screenshot({ path: join(ARTIFACTS, 'jobs-admin.png'), fullPage: true });
    await admin.click('nav a[data-tab=cluster]');
    await admin.waitForSelector('[data-testid=nodes] tr[data-node=node-a]');
    // node-a reports telemetry: its CPU load forecast is drawn with a band (points where the upper bound is above
    // the lower one) after the measured history.
    const forecast = admin.locator('[data-testid="forecast-node-a-cpuMilli"]');
    await waitFor('a forecast band for node-a', async () => Number((await forecast.getAttribute('data-band').catch(() => null)) ?? 0) > 0);
    assert.equal(await forecast.locator('canvas').count(), 1);
    assert.equal(await forecast.getAttribute('data-source'), 'telemetry');
    assert.ok(Number(await forecast.getAttribute('data-points')) > 12, 'observed points before the 12 forecast points');
    await admin.waitForSelector('[data-testid=migrations]');
    await admin.screenshot({ path: join(ARTIFACTS, 'cluster.png'), fullPage: true });
    // By now the page has sampled fairness a few times: Jain's index and ρ are charted over time.
    await admin.click('nav a[data-tab=tenants]');
    await admin.waitForSelector('section .chart canvas', { timeout: 15_000 });
    await admin.screenshot({ path: join(ARTIFACTS, 'tenants.png'), fullPage: true });

    // ---- simulator report ----
    await admin.click('nav a[data-tab=simulator]');
    const jsonl = await simOut;
    const policies = jsonl.trim().split('\n').map((l) => (JSON.parse(l) as { policy: string }).policy);
    assert.deepEqual(policies, ['fifo', 'drf']);
    await admin.setInputFiles('[data-testid=sim-file]', { name: 'result.jsonl', mimeType: 'application/json', buffer: Buffer.from(jsonl) });
    await admin.waitForSelector('[data-testid=sim-columns]');
    assert.deepEqual(await admin.$$eval('.sim-col', (cols) => cols.map((c) => c.getAttribute('data-policy'))), policies);
    await admin.waitForSelector('[data-testid=sim-jct] canvas');
    assert.equal(await admin.locator('.sim-col .chart canvas').count(), policies.length, 'one time-series chart per policy');
    await admin.screenshot({ path: join(ARTIFACTS, 'simulator.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');

    // ---- a tenant token sees only its own jobs ----
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const tenantPage = await ctx.newPage();
    await signIn(tenantPage, url, globex.token);
    assert.equal(await tenantPage.textContent('[data-testid=who]'), 'tenant globex');
    // Tenants tab: its own row (with its grid usage) and how many others share the cluster, never their rows.
    await tenantPage.click('nav a[data-tab=tenants]');
    await tenantPage.waitForSelector('[data-testid=tenants] tr[data-tenant=globex]');
    assert.equal(await tenantPage.locator('[data-testid=tenants] tr[data-tenant=acme]').count(), 0);
    assert.match((await tenantPage.textContent('[data-testid=tenant-scope]'))!, /1 other tenant/);
    await tenantPage.click('nav a[data-tab=jobs]');
    await tenantPage.waitForSelector(`[data-testid=pending] tr[data-job="${huge}"]`);
    for (const other of [trainer, quick]) assert.equal(await tenantPage.locator(`[data-job="${other}"]`).count(), 0, `globex does not see acme's job ${other}`);
    // Even by its address, another tenant's job shows no detail.
    await tenantPage.evaluate((id) => { location.hash = `#jobs/${id}`; }, trainer);
    const denied = tenantPage.locator('[data-testid=job-detail]');
    await denied.waitFor();
    await waitFor('the refusal in the panel', async () => /not_found|forbidden/.test((await denied.textContent()) ?? ''));
    assert.doesNotMatch((await denied.textContent())!, /"type":"progress"/);
    assert.deepEqual(await tenantPage.$$eval('[data-testid=filter-tenant] option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['', 'globex']);
    await tenantPage.screenshot({ path: join(ARTIFACTS, 'jobs-tenant.png'), fullPage: true });

    // A wrong token is refused on the sign-in form.
    const stranger = await ctx.newPage();
    await stranger.goto(url);
    await stranger.fill('#token', 'not-a-real-token-at-all');
    await stranger.click('form.login button');
    assert.match((await stranger.locator('[data-testid=login-error]').textContent())!, /not accepted/);
    await ctx.close();
  } finally {
    await browser?.close();
    for (const c of children.reverse()) await stopProcess(c);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
