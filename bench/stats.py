def percentile(values, q): s = sorted(values); k = (len(s)-1)*q; f = int(k); c = min(f+1, len(s)-1); return s[f] + (s[c]-s[f])*(k-f)
