package results

// Metrics returns a successful run's measurements keyed by their
// results.bench unit (sec/op, B/s, peak-RSS-B, tree-peak-cgroup-B, ...):
// exactly the values WriteBench would write for it.
func Metrics(r Run) map[string]float64 {
	vals, _ := benchValues(&r)
	m := make(map[string]float64, len(vals))
	for _, v := range vals {
		m[v.Unit] = v.Value
	}
	return m
}
