import { AlertList } from './alert-list';
import { Alert, AlertDetail, Api, ApiError, DecisionAction, StaffUser } from './api';
import { priorityCue } from './cue';
import { h, percent, time } from './dom';
import { LiveFeed } from './live-feed';
import { ViolationList } from './violation-list';

const TOKEN_KEY = 'kuzet.token';
const app = document.querySelector<HTMLElement>('#app')!;
const api = new Api(sessionStorage.getItem(TOKEN_KEY));
let list: AlertList | null = null;
let selected: string | null = null;
let feed: LiveFeed | null = null;

const present = (...nodes: (Node | null)[]): Node[] => nodes.filter((n): n is Node => n !== null);

function showLogin(error?: string): void {
  feed?.stop();
  const username = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: '',
    'data-testid': 'username',
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: '',
    'data-testid': 'password',
  });
  const form = h(
    'form',
    { class: 'login', 'data-testid': 'login-form' },
    h('h1', {}, 'kuzet'),
    h('p', { class: 'muted' }, 'Operations centre console'),
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    error ? h('p', { class: 'error', role: 'alert', 'data-testid': 'login-error' }, error) : null,
    h('button', { type: 'submit', 'data-testid': 'login' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    api
      .login(username.value, password.value)
      .then(({ access_token, user }) => {
        sessionStorage.setItem(TOKEN_KEY, access_token);
        return showConsole(user);
      })
      .catch((e: unknown) =>
        showLogin(
          e instanceof ApiError && e.status === 401 ? 'Wrong username or password' : String(e),
        ),
      );
  });
  app.replaceChildren(form);
  username.focus();
}

async function showConsole(user: StaffUser): Promise<void> {
  const status = h('span', { class: 'status offline', 'data-testid': 'feed-status' }, 'offline');
  const signOut = h('button', { class: 'link' }, 'Sign out');
  const endSession = (reason?: string): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    api.logout();
    showLogin(reason);
  };
  signOut.addEventListener('click', () => endSession());
  const rows = h('ul', { id: 'alerts', 'data-testid': 'alert-list' });
  list = new AlertList(rows, (id) => void showDetail(id));
  const violationRows = h('ul', { id: 'violations', 'data-testid': 'violation-list' });
  const violations = new ViolationList(violationRows);
  // pushes only reach a live socket: each time it is live (again), what it may have missed
  // meanwhile comes from the violation log
  const reloadViolations = (): void => {
    api.violations().then(
      (page) => violations.update(page.violations, { live: false }),
      (e: unknown) => console.warn('violations feed', e),
    );
  };
  app.replaceChildren(
    h(
      'header',
      {},
      h('strong', {}, 'kuzet'),
      h(
        'span',
        { 'data-testid': 'whoami' },
        `${user.username} · ${user.centre_ids.join(', ') || 'all centres'}`,
      ),
      status,
      signOut,
    ),
    h(
      'div',
      { class: 'layout' },
      h(
        'div',
        { class: 'feeds' },
        h('section', { class: 'list' }, rows),
        h(
          'section',
          { class: 'list violations', 'data-testid': 'violations-panel' },
          h('h2', {}, 'Violations'),
          violationRows,
        ),
      ),
      h(
        'section',
        { class: 'detail', id: 'detail', 'data-testid': 'alert-detail' },
        h('p', { class: 'muted' }, 'Select an alert'),
      ),
    ),
  );
  const initial = await api.alerts();
  list.update(initial, { live: false });
  list.render();
  feed = new LiveFeed(
    () => api.bearer,
    (changed) => onAlerts(changed),
    (state) => {
      status.textContent = state;
      status.className = `status ${state}`;
      if (state === 'live') reloadViolations();
    },
    (pushed) => violations.update(pushed, { live: true }),
    (reason) => endSession(`Signed out: ${reason}`),
  );
  feed.start(initial.reduce((max, a) => Math.max(max, a.seq), 0));
}

function onAlerts(changed: readonly Alert[]): void {
  const unknown = list?.update(changed, { live: true }) ?? [];
  if (unknown.some((alert) => alert.isPriority && alert.state === 'new')) priorityCue();
  const current = selected ? changed.find((a) => a.id === selected) : undefined;
  if (current) {
    // never pull the form away from someone typing a reason: tell them instead
    const reason = document.querySelector<HTMLInputElement>('[data-testid="reason"]');
    const message = document.querySelector<HTMLElement>('[data-testid="decision-message"]');
    if (reason?.value && message) {
      message.textContent = current.decidedBy
        ? `meanwhile ${current.state} by ${current.decidedBy}`
        : `meanwhile ${current.state}`;
      message.className = 'message notice';
    } else {
      void showDetail(current.id);
    }
  }
}

async function showDetail(id: string): Promise<void> {
  selected = id;
  list?.select(id);
  const pane = document.querySelector('#detail')!;
  let detail: AlertDetail;
  try {
    detail = await api.alert(id);
  } catch (error) {
    pane.replaceChildren(h('p', { class: 'error' }, String(error)));
    return;
  }
  if (selected !== id) return;
  const message = h('p', { class: 'message', role: 'status', 'data-testid': 'decision-message' });
  const reason = h('input', {
    placeholder: 'Reason (required to reject)',
    'data-testid': 'reason',
  });
  const button = (action: DecisionAction, label: string) => {
    const b = h('button', { 'data-testid': `decide-${action}`, class: action }, label);
    b.addEventListener('click', () => {
      api
        .decide(id, action, reason.value.trim() || undefined)
        .then((alert) => {
          list?.update([alert], { live: false });
          list?.render();
          return showDetail(id);
        })
        .catch((e: unknown) => {
          message.textContent = e instanceof ApiError ? e.message : String(e);
          message.className = 'message error';
        });
    });
    return b;
  };
  const probe = h(
    'figure',
    {},
    h('div', { class: 'face placeholder' }, 'no crop'),
    h('figcaption', {}, 'Probe (camera)'),
  );
  const enrolled = h('div', { class: 'enrolled' });
  const open = !['confirmed', 'rejected'].includes(detail.state);
  pane.replaceChildren(
    ...present(
      h(
        'h2',
        { 'data-testid': 'detail-title' },
        detail.kind === 'alarm'
          ? `SOS alarm — ${detail.message ?? ''}`
          : detail.kind === 'analytics'
            ? `Scene analytics — ${detail.message ?? ''}`
            : (detail.personName ?? 'Unknown person'),
      ),
      h(
        'dl',
        {},
        ...(
          [
            ['State', detail.state],
            ['Watchlist', detail.watchlistName ?? '—'],
            ['Case', detail.caseReference ?? '—'],
            [
              'Similarity',
              `${percent(detail.similarity)} (threshold ${percent(detail.threshold)})`,
            ],
            ['Camera', detail.cameraId],
            ['District', detail.districtId ?? 'unrouted'],
            [
              'Seen',
              `${time(detail.capturedAt)}${detail.sightingCount > 1 ? ` · ${detail.sightingCount} sightings, last ${time(detail.lastSeenAt)}` : ''}`,
            ],
            [
              'Decided',
              detail.decidedBy
                ? `${detail.state} by ${detail.decidedBy} at ${time(detail.decidedAt!)}`
                : '—',
            ],
          ] as const
        ).flatMap(([term, value]) => [
          h('dt', {}, term),
          h('dd', { 'data-testid': `detail-${term.toLowerCase()}` }, value),
        ]),
      ),
      detail.kind === 'watchlist_hit' ? h('div', { class: 'faces' }, probe, enrolled) : null,
      open
        ? h(
            'div',
            { class: 'actions' },
            reason,
            button('acknowledge', 'Acknowledge'),
            button('confirm', 'Confirm'),
            button('reject', 'Reject'),
            button('escalate', 'Escalate'),
          )
        : null,
      message,
      h('h3', {}, 'History'),
      h(
        'ul',
        { class: 'history' },
        ...detail.decisions.map((d) =>
          h(
            'li',
            {},
            `${time(d.decidedAt)} ${d.username}: ${d.action}${d.reason ? ` — ${d.reason}` : ''}`,
          ),
        ),
      ),
      detail.earlierSightings.length
        ? h(
            'div',
            {},
            h('h3', {}, 'Earlier sightings'),
            h(
              'ul',
              { class: 'history' },
              ...detail.earlierSightings.map((s) =>
                h(
                  'li',
                  {},
                  `${time(s.capturedAt)} ${s.cameraId} (${percent(s.similarity)}) ${s.state}`,
                ),
              ),
            ),
          )
        : null,
    ),
  );
  if (detail.hasEvidence) {
    const url = await api.image(`/v1/alerts/${id}/face-crop`);
    if (url)
      probe.firstElementChild!.replaceWith(
        h('img', { src: url, alt: 'probe face', class: 'face', 'data-testid': 'probe-face' }),
      );
  }
  for (const faceId of detail.enrolledFaceIds) {
    const url = await api.image(`/v1/alerts/${id}/enrolled-faces/${faceId}`);
    if (url)
      enrolled.append(
        h(
          'figure',
          {},
          h('img', { src: url, alt: 'enrolled photo', class: 'face' }),
          h('figcaption', {}, 'Enrolled'),
        ),
      );
  }
}

if (api.authenticated) {
  api.me().then(showConsole, () => showLogin());
} else {
  showLogin();
}
