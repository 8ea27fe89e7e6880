package jobs

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iwoproject/iwo/withholding"
)

// Metrics are the Prometheus collectors the jobs update. A nil *Metrics
// records nothing, so jobs and tests need not set one up.
type Metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	files    *prometheus.CounterVec
	payments *prometheus.CounterVec
	errors   *prometheus.CounterVec
	lastOK   *prometheus.GaugeVec
}

// NewMetrics creates the collectors and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iwo_job_runs_total",
			Help: "Job runs by job and final status (succeeded, partial, failed, skipped).",
		}, []string{"job", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "iwo_job_duration_seconds",
			Help:    "How long job runs took, skipped runs excluded.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iwo_files_total",
			Help: "Files exchanged with partners by direction, kind and outcome (sent, applied, duplicate, quarantined, failed).",
		}, []string{"direction", "kind", "outcome"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iwo_payments_total",
			Help: "Remittance items posted from ACH files, by kind (payment, prenote, return, noc, other).",
		}, []string{"kind"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iwo_errors_total",
			Help: "Errors met by the jobs, by job and by what failed (partner, file, step).",
		}, []string{"job", "what"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "iwo_job_last_success_timestamp_seconds",
			Help: "Unix time the job last finished without error.",
		}, []string{"job"}),
	}
	reg.MustRegister(m.runs, m.duration, m.files, m.payments, m.errors, m.lastOK)
	return m
}

func (m *Metrics) run(r *withholding.JobRun) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(r.Job, string(r.Status)).Inc()
	if r.Status == withholding.RunSkipped || r.Status == withholding.RunKilled {
		return // no duration: a killed run's end is when it was found
	}
	m.duration.WithLabelValues(r.Job).Observe(r.Ended.Sub(r.Started).Seconds())
	if r.Status == withholding.RunSucceeded {
		m.lastOK.WithLabelValues(r.Job).Set(float64(r.Ended.Unix()))
	}
}

func (m *Metrics) file(dir withholding.Direction, kind withholding.FileKind, outcome string) {
	if m == nil {
		return
	}
	m.files.WithLabelValues(string(dir), string(kind), outcome).Inc()
}

func (m *Metrics) error(job, what string) {
	if m == nil {
		return
	}
	m.errors.WithLabelValues(job, what).Inc()
}
