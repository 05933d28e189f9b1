package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/demo"
)

func demoCmd(cfg *config.Config, stdout, stderr io.Writer) *cobra.Command {
	var (
		c        demo.Config
		in       auth.SetupInput
		users    int
		progress bool
		cpuprof  string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create a workspace filled with realistic generated customers (deterministic from --seed)",
		Long: `demo creates a new workspace with an admin and a few salespeople, then
generates accounts, contacts and three years of activities with names,
companies, phones and addresses in English, Spanish and Chinese. The same
--seed always gives the same data. About 2% of the contacts are planted
duplicates (typos, missing accents, swapped names, other phone formats).`,
		Example: `  rapport demo --workspace Demo --email demo@example.com --password 'demo-password'
  rapport demo --workspace Big --email big@example.com --password 'demo-password' --accounts 200000 --contacts 1000000 --activities 5000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.Accounts < 1 || c.Contacts < 0 || c.Activities < 0 || (c.Activities > 0 && c.Contacts == 0) {
				return fmt.Errorf("--accounts must be at least 1, and activities need contacts")
			}
			if users < 1 || users > 100 {
				return fmt.Errorf("--users must be between 1 and 100")
			}
			ctx := cmd.Context()
			d, err := openDB(ctx, cfg)
			if err != nil {
				return err
			}
			defer d.Close()
			log, err := Logger(*cfg, stderr)
			if err != nil {
				return err
			}
			svc := auth.NewService(d, nil, log)
			ws, admin, err := svc.Setup(ctx, in)
			if err != nil {
				return describe(err)
			}
			owners := []string{admin.ID}
			p, err := svc.Principal(ctx, ws.ID, admin.ID)
			if err != nil {
				return err
			}
			roles, err := svc.ListRoles(ctx, p)
			if err != nil {
				return err
			}
			var salesRole string
			for _, r := range roles {
				if r.Builtin == "sales" {
					salesRole = r.ID
				}
			}
			for i := 1; i < users; i++ {
				email, name := fmt.Sprintf("sales%d@%s", i, domainOf(in.Email)), fmt.Sprintf("Sales %d", i)
				u, _, err := svc.CreateUser(ctx, p, auth.UserInput{Email: &email, Name: &name, RoleID: &salesRole, Password: &in.Password})
				if err != nil {
					return describe(err)
				}
				owners = append(owners, u.ID)
			}
			if c.Now == 0 {
				c.Now = time.Now().Unix()
			}
			g := demo.New(c)
			if cpuprof != "" {
				pf, err := os.Create(cpuprof)
				if err != nil {
					return err
				}
				defer pf.Close()
				if err := pprof.StartCPUProfile(pf); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			last, stageStart := time.Now(), time.Now()
			st, err := demo.Load(ctx, d, g, demo.LoadOptions{Workspace: ws.ID, Owners: owners, Progress: func(stage string, done, total int) {
				if progress && (time.Since(last) > time.Second || done == total) {
					last = time.Now()
					fmt.Fprintf(stderr, "\r%-10s %9d / %-9d", stage, done, total)
					if done == total {
						fmt.Fprintf(stderr, " in %s\n", time.Since(stageStart).Round(time.Millisecond))
						stageStart = time.Now()
					}
				}
			}})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "workspace %q (%s): %d accounts, %d contacts, %d activities, %d users (%d rows) in %s\n",
				ws.Name, ws.ID, st.Accounts, st.Contacts, st.Activities, len(owners), st.Rows, st.Elapsed.Round(time.Millisecond))
			fmt.Fprintf(stdout, "sign in as %s with the password you gave\n", admin.Email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Workspace, "workspace", "Demo", "name of the new workspace")
	f.StringVar(&in.Email, "email", "demo@example.com", "the admin's e-mail")
	f.StringVar(&in.Password, "password", "", "password of the admin and the salespeople (required, 8 to 128 characters)")
	f.StringVar(&in.Currency, "currency", "USD", "base currency")
	f.StringVar(&in.Language, "language", "en", "default language: en, es or zh")
	f.StringVar(&in.Timezone, "timezone", "UTC", "time zone")
	f.Int64Var(&c.Seed, "seed", 1, "random seed: the same seed gives the same data")
	f.IntVar(&c.Accounts, "accounts", 200, "accounts to generate")
	f.IntVar(&c.Contacts, "contacts", 1000, "contacts to generate")
	f.IntVar(&c.Activities, "activities", 5000, "activities to generate")
	f.IntVar(&users, "users", 5, "users to own the records (the admin and salespeople)")
	f.BoolVar(&progress, "progress", true, "show progress on standard error")
	f.StringVar(&cpuprof, "cpuprofile", "", "write a CPU profile of the load to this file")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

func domainOf(email string) string {
	for i := len(email) - 1; i >= 0; i-- {
		if email[i] == '@' {
			return email[i+1:]
		}
	}
	return "example.com"
}
