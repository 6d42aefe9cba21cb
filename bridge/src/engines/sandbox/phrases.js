// What the sandbox's simulated customers say by themselves (auto-replies, imported history), in
// the session's `language`: Indonesian (`id`, the demo's default) or English (`en`).
export const LANGUAGES = Object.freeze(['id', 'en']);

export const AUTO_REPLIES = Object.freeze({
  id: [
    'Terima kasih, sudah saya terima.',
    'Oke, saya cek dulu ya, nanti saya kabari.',
    'Mantap, terima kasih atas jawabannya yang cepat.',
    'Boleh dijelaskan sedikit lebih detail?',
    'Siap, cocok buat saya.',
    'Sip, sampai ketemu nanti.',
  ],
  en: [
    'Thanks! Got it.',
    'Okay, let me check and get back to you.',
    'Great, thank you for the quick answer.',
    'Could you tell me a bit more?',
    'Sounds good to me.',
    'Perfect, see you then.',
  ],
});

// A past conversation for a history import: the customer's lines and the shop's, alternating.
export const HISTORY_LINES = Object.freeze({
  id: {
    customer: ['Halo, apakah barangnya masih ada?', 'Berapa ongkirnya ke Bandung?', 'Bisa bayar pakai transfer?', 'Oke, saya pesan satu ya.', 'Kapan barangnya dikirim?', 'Sudah sampai, terima kasih!'],
    owner: ['Halo kak, masih ada.', 'Ongkirnya Rp15.000 kak.', 'Bisa kak, ke BCA ya.', 'Siap, kami proses.', 'Besok pagi kami kirim.', 'Sama-sama kak, ditunggu order berikutnya.'],
  },
  en: {
    customer: ['Hi, is this still available?', 'How much is shipping to Bandung?', 'Can I pay by bank transfer?', 'Okay, I will take one.', 'When will it ship?', 'It arrived, thank you!'],
    owner: ['Hi, yes it is.', 'Shipping is IDR 15,000.', 'Yes, to our BCA account.', 'Great, we are on it.', 'It ships tomorrow morning.', 'You are welcome, see you next time.'],
  },
});
