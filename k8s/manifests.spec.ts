import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '..');
type Doc = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAVE_KUBECTL = kubectlAvailable();
if (!HAVE_KUBECTL) console.warn('k8s manifests: kubectl is not installed, so the overlays are not rendered and these tests are skipped');
const describeKubectl = HAVE_KUBECTL ? describe : describe.skip;

function render(overlay: string): Doc[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as Doc);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

/** Metric names our code registers (prom-client `name: 'kettle_...'`), plus default process metrics. */
function codeMetrics(): Set<string> {
  const names = new Set<string>(['kettle_process_cpu_seconds_total', 'kettle_process_resident_memory_bytes', 'kettle_nodejs_eventloop_lag_seconds']);
  for (const f of [...sourceFiles(join(ROOT, 'libs')), ...sourceFiles(join(ROOT, 'apps'))]) {
    for (const m of readFileSync(f, 'utf8').matchAll(/'(kettle_[a-z_]+)'/g)) names.add(m[1]);
  }
  return names;
}

/** Metric names an expression uses (histogram series resolve to their base name). */
function exprMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bkettle_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

describeKettle();

function describeKettle(): void {
  describeKubectl.each(['prod', 'staging'])('overlay %s', (overlay) => {
    const docs = render(overlay);
    const deployments = docs.filter((d) => d.kind === 'Deployment');

    it('has one Deployment per service with probes on the port the service listens on', () => {
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['kettle-collector', 'kettle-loader', 'kettle-transformer']);
      for (const d of deployments) {
        const app = d.metadata.name.replace('kettle-', '');
        const c = (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as {
          ports: { name: string; containerPort: number }[];
          env: { name: string; value: string }[];
          livenessProbe: { httpGet: { path: string; port: string } };
          readinessProbe: { httpGet: { path: string; port: string } };
          securityContext: { readOnlyRootFilesystem: boolean };
        };
        const port = c.ports.find((p) => p.name === 'http')!.containerPort;
        expect(c.env.find((e) => e.name === 'PORT')?.value).toBe(String(port));
        expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
        expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
        // The app's own default port matches, so the image works without PORT too.
        const main = readFileSync(join(ROOT, 'apps', app, 'src/main.ts'), 'utf8');
        expect(main).toContain(String(port));
        // One Dockerfile builds every image: it must accept this app and run its built main.
        const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
        expect(/case "\$APP" in ([\w|]+)\)/.exec(dockerfile)?.[1].split('|')).toContain(app);
        expect(dockerfile).toContain('ln -s "apps/$APP/main.js" dist/main.js');
        expect(dockerfile).toContain('CMD ["node", "dist/main.js"]');
      }
    });

    it('alerts only on metrics the code exports', () => {
      const rules = docs.find((d) => d.kind === 'PrometheusRule')!;
      const exprs = (rules.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
      expect(exprs.map((r) => r.alert)).toEqual(expect.arrayContaining(['KettleTableStale', 'KettleNoProgress', 'KettleDeadLetters', 'KettleInsertErrors']));
      const known = codeMetrics();
      for (const r of exprs) for (const m of exprMetrics(r.expr)) expect({ alert: r.alert, metric: m, known: known.has(m) }).toEqual({ alert: r.alert, metric: m, known: true });
    });

    it('ships the repository buckets.yaml', () => {
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('kettle-buckets')) as unknown as { data: Record<string, string> };
      expect(cm.data['buckets.yaml']).toBe(readFileSync(join(ROOT, 'buckets.yaml'), 'utf8'));
    });
  });

  it('the dashboard uses only metrics the code exports', () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'k8s/base/kettle-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const known = codeMetrics();
    for (const p of dash.panels) {
      for (const t of p.targets) for (const m of exprMetrics(t.expr)) expect({ panel: p.title, metric: m, known: known.has(m) }).toEqual({ panel: p.title, metric: m, known: true });
    }
  });
}
