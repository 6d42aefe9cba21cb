// The QR a person scans, as the PNG data URL the sessions page shows (session.qr, GET /sessions/:id).
// Rendered by the session runtime for any engine: the engines hand over the raw QR string only.
import QRCode from 'qrcode';

export const qrDataUrl = (raw) => QRCode.toDataURL(raw, { errorCorrectionLevel: 'M', margin: 1, width: 264 });
