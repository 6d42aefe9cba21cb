import { describe, it, expect } from 'vitest';
import { fieldErrorText } from '../../../src/lib/errors.js';
import { ApiError } from '../../../src/api/http.js';

describe('fieldErrorText', () => {
  it('test_a_bare_word_in_the_field_gives_way_to_the_message', () => {
    const err = new ApiError(400, 'phone_invalid', 'A phone number in international form, e.g. +6281234567890.', { phone: ['invalid'] });
    expect(fieldErrorText(err, 'phone')).toBe('A phone number in international form, e.g. +6281234567890.');
  });

  it('test_a_sentence_in_the_field_is_shown', () => {
    const err = new ApiError(400, 'invalid_request', 'Invalid input.', { phone: ['Not a phone number in Indonesia.'] });
    expect(fieldErrorText(err, 'phone')).toBe('Not a phone number in Indonesia.');
  });

  it('test_without_fields_the_message', () => {
    expect(fieldErrorText(new ApiError(0, 'network_error', 'Network error: the server could not be reached.'), 'phone')).toBe('Network error: the server could not be reached.');
  });
});
