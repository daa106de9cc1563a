// PAK POS Online — citizens' pages. Progressive enhancement only: every form
// works without this file, and the server's checks stay authoritative.
(function () {
  'use strict';

  // Mirrors src/domain/ids.rs (Nik::parse, PhoneNumber::parse).
  function nikError(v) {
    v = v.trim();
    if (!v) return '';
    if (!/^\d{16}$/.test(v)) return 'NIK harus terdiri dari 16 digit angka';
    var day = +v.slice(6, 8), month = +v.slice(8, 10);
    if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return 'tanggal lahir pada NIK tidak valid';
    if (month < 1 || month > 12) return 'bulan lahir pada NIK tidak valid';
    if (v.slice(12) === '0000') return '4 digit terakhir NIK tidak boleh 0000';
    return '';
  }
  function phoneError(v) {
    var c = v.trim().replace(/[ \-.()]/g, '');
    if (!c) return '';
    var n = c.replace(/^(\+62|62|0)/, '');
    if (n === c || !/^8[1-35-9]\d{7,10}$/.test(n)) return 'nomor HP harus nomor seluler Indonesia, contoh 081234567890';
    return '';
  }

  // The field's one error line (the server's message, if any) is replaced
  // by the live check's, never shown beside it.
  function liveCheck(input, check) {
    var box = document.getElementById(input.id + '-error');
    var server = box && !box.hidden ? box.textContent : '';
    function run(final) {
      var msg = check(input.value);
      // While typing, only complain once the value is long enough to judge.
      if (!final && msg && input.value.replace(/\D/g, '').length < (input.dataset.check === 'nik' ? 16 : 10)) msg = '';
      if (msg) msg = input.dataset.label + ': ' + msg;
      else if (server && !final) msg = server;
      else server = '';
      input.classList.toggle('bad', !!msg);
      if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
      if (box) { box.textContent = msg; box.hidden = !msg; }
    }
    input.addEventListener('input', function () { run(false); });
    input.addEventListener('blur', function () { run(true); });
  }
  document.querySelectorAll('input[data-check]').forEach(function (input) {
    liveCheck(input, input.dataset.check === 'nik' ? nikError : phoneError);
  });

  // The error summary takes the focus, so a screen reader starts there.
  var summary = document.getElementById('ringkasan-galat');
  if (summary) summary.focus();

  // One tap sends once: a second tap on a form being sent does nothing
  // (the server also keeps one application per form key).
  document.querySelectorAll('form[method="post"]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (f.dataset.sending) { e.preventDefault(); return; }
      f.dataset.sending = '1';
      setTimeout(function () {
        f.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  // Back to a page kept in memory: its forms can be sent again.
  window.addEventListener('pageshow', function (e) {
    if (!e.persisted) return;
    document.querySelectorAll('form[data-sending]').forEach(function (f) {
      delete f.dataset.sending;
      f.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = false; });
    });
  });

  // One select with an optgroup per kecamatan → two linked selects.
  var village = document.getElementById('applicant-village_code');
  if (village) {
    var groups = Array.prototype.slice.call(village.querySelectorAll('optgroup'));
    var wrap = document.createElement('div');
    wrap.className = 'field';
    var label = document.createElement('label');
    label.htmlFor = 'kecamatan';
    label.textContent = 'Kecamatan *';
    var kec = document.createElement('select');
    kec.id = 'kecamatan';
    kec.add(new Option('— pilih kecamatan —', ''));
    groups.forEach(function (g, i) { kec.add(new Option(g.label.replace(/^Kec\. /, ''), String(i))); });
    wrap.appendChild(label);
    wrap.appendChild(kec);
    var field = document.getElementById('village-field');
    field.parentNode.insertBefore(wrap, field);
    var chosen = village.value;
    function fill(index, keep) {
      village.innerHTML = '';
      village.add(new Option(index === '' ? '— pilih kecamatan dulu —' : '— pilih desa/kelurahan —', ''));
      if (index === '') { village.disabled = true; return; }
      village.disabled = false;
      Array.prototype.forEach.call(groups[+index].children, function (o) {
        village.add(new Option(o.textContent, o.value, false, o.value === keep));
      });
    }
    groups.forEach(function (g, i) {
      if (chosen && g.querySelector('option[value="' + chosen + '"]')) kec.value = String(i);
    });
    fill(kec.value, chosen);
    kec.addEventListener('change', function () { fill(kec.value, ''); });
  }

  var form = document.getElementById('ajukan');
  if (form && form.method === 'post') {
    // A page opened from the phone's copy (no signal) carries the key of
    // an earlier form: every form opened gets its own, so two applications
    // from one phone are never taken for one.
    var key = form.querySelector('input[name="kunci"]');
    if (key && window.crypto && crypto.getRandomValues) {
      key.value = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) {
        return ('0' + b.toString(16)).slice(-2);
      }).join('');
    }
    // The postal address only matters for delivery by post.
    var address = document.getElementById('delivery_address');
    var radios = form.querySelectorAll('input[name="delivery_method"]');
    function delivery() {
      var pos = form.querySelector('input[name="delivery_method"][value="pos"]').checked;
      address.closest('.field').hidden = !pos;
    }
    radios.forEach(function (r) { r.addEventListener('change', delivery); });
    if (address) delivery();
  }

  // /verifikasi: is the PDF in hand the signed file? Hashed here with
  // WebCrypto and compared with the SHA-256 the page shows; nothing leaves
  // the device.
  var check = document.getElementById('periksa-berkas');
  if (check && window.crypto && crypto.subtle) {
    var picker = document.getElementById('berkas');
    var result = document.getElementById('hasil-periksa');
    picker.addEventListener('change', function () {
      var file = picker.files && picker.files[0];
      if (!file) return;
      result.hidden = false;
      result.className = 'callout';
      result.textContent = 'Memeriksa berkas…';
      file.arrayBuffer().then(function (buf) {
        return crypto.subtle.digest('SHA-256', buf);
      }).then(function (digest) {
        var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
          return ('0' + b.toString(16)).slice(-2);
        }).join('');
        var same = hex === check.dataset.sha256;
        result.className = 'status ' + (same ? 'good' : 'bad');
        result.textContent = same
          ? 'Cocok: berkas ini sama persis dengan dokumen yang ditandatangani.'
          : 'Tidak cocok: berkas ini BUKAN dokumen yang ditandatangani (mungkin sudah diubah). Sidik berkas Anda: ' + hex;
      }, function () {
        result.textContent = 'Berkas tidak dapat dibaca. Coba pilih ulang berkasnya.';
      });
    });
  } else if (check) {
    check.querySelector('input').disabled = true;
  }
})();
