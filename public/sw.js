// PAK POS Online — the citizens' pages as an installable app. The shell
// (pages without personal data, styles, scripts, the village list) is
// cached so the form opens without signal; a form sent without signal is
// kept on the phone (antrian.js) and sent by Background Sync when the
// signal returns. Nothing of the staff pages, uploads or answers to a
// POST is ever cached.
importScripts('/static/antrian.js');

var CACHE = 'pakpos-v1';
var SHELL = [
  '/', '/ajukan', '/lacak', '/pengaduan', '/offline',
  '/ajukan?services=birth_certificate', '/ajukan?services=family_card', '/ajukan?services=child_id_card',
  '/static/public.css', '/static/public.js', '/static/antrian.js', '/static/favicon.svg',
  '/static/icon-192.png', '/api/v1/villages'
];

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) {
    // One page that fails to load must not stop the others.
    return Promise.all(SHELL.map(function (u) { return c.add(u).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The cache key of a page or asset that may be kept, or null: public pages
// by path (the form by its services only), static assets, the village list.
function keyOf(url) {
  if (url.origin !== self.location.origin) return null;
  var p = url.pathname;
  if (p.indexOf('/static/') === 0 || p === '/api/v1/villages' || p === '/offline') return p;
  if (p === '/' || p === '/lacak' || p === '/pengaduan') return p;
  if (p === '/ajukan') {
    var services = url.searchParams.getAll('services').sort();
    return services.length ? '/ajukan?' + services.map(function (s) { return 'services=' + encodeURIComponent(s); }).join('&') : '/ajukan';
  }
  return null;
}

self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.method !== 'GET') return;
  var key = keyOf(new URL(req.url));
  if (!key) return;
  var fresh = fetch(req).then(function (res) {
    if (res.ok && res.type === 'basic') {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(key, copy); });
    }
    return res;
  });
  var fallback = function () {
    return caches.match(key).then(function (hit) {
      return hit || (req.mode === 'navigate' ? caches.match('/offline') : Response.error());
    });
  };
  if (key.indexOf('/static/') === 0 || key === '/api/v1/villages') {
    // Assets: the kept copy at once on a weak signal, refreshed behind.
    e.respondWith(caches.match(key).then(function (hit) {
      return hit ? (fresh.catch(function () {}), hit) : fresh.catch(fallback);
    }));
  } else {
    // Pages: the network first, the kept copy without signal.
    e.respondWith(fresh.catch(fallback));
  }
});

self.addEventListener('sync', function (e) {
  if (e.tag !== PakposAntrian.TAG) return;
  e.waitUntil(PakposAntrian.flush().then(function () {
    return self.clients.matchAll().then(function (clients) {
      clients.forEach(function (c) { c.postMessage('antrian'); });
    });
  }));
});
