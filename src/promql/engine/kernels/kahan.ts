/**
 * One step of Kahan-Babuska (Neumaier) compensated summation, as Prometheus's
 * util/kahansum.Inc: adds inc to the running (sum, c) pair and writes the new
 * sum to out[0] and the new compensation to out[1]. The caller adds sum and c
 * at the end (unless sum is infinite). Once the sum overflows to ±Inf the
 * compensation is reset to 0, so an infinite sum stays infinite instead of
 * turning into NaN. out must have room for two values; nothing is allocated.
 */
export function kahanSumInc(inc: number, sum: number, c: number, out: Float64Array): void {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    // Neumaier's improvement: take the low bits from the smaller operand.
    c += sum - t + inc;
  } else {
    c += inc - t + sum;
  }
  out[0] = t;
  out[1] = c;
}
