package match

import (
	"testing"
)

func TestDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct{ given, middle, family, want string }{
		{"John", "", "Smith", "John Smith"},
		{"John", "Fitzgerald", "Kennedy", "John Fitzgerald Kennedy"},
		{" John ", "  ", " Smith", "John Smith"},
		{"Ana María", "", "López  García", "Ana María López García"},
		{"", "", "Smith", "Smith"},
		{"John", "", "", "John"},
		{"", "", "", ""},
		{"伟", "", "张", "张伟"},
		{"伟", "David", "张", "张伟"},
		{"明", "伟", "张", "张伟明"},
		{"娜娜", "", "欧阳", "欧阳娜娜"},
		{"", "", "张", "张"},
		{"Wei", "", "张", "张Wei"},
	}
	for _, tt := range tests {
		if got := DisplayName(tt.given, tt.middle, tt.family); got != tt.want {
			t.Errorf("DisplayName(%q, %q, %q) = %q, want %q", tt.given, tt.middle, tt.family, got, tt.want)
		}
	}
}

func TestSplitFullName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, given, middle, family string }{
		{"", "", "", ""},
		{"  ", "", "", ""},
		{"John", "John", "", ""},
		{"John Smith", "John", "", "Smith"},
		{"  John   Fitzgerald  Kennedy ", "John", "Fitzgerald", "Kennedy"},
		{"María José García López", "María", "José García", "López"},
		{"Smith, John", "John", "", "Smith"},
		{"Smith, John Paul", "John", "Paul", "Smith"},
		{"García López, María José", "María", "José", "García López"},
		{"Smith,", "", "", "Smith"},
		{"Smith, John, Jr.", "John", "Jr.", "Smith"},
		{"张伟", "伟", "", "张"},
		{"张伟明", "伟明", "", "张"},
		{"张", "", "", "张"},
		{"欧阳娜娜", "娜娜", "", "欧阳"},
		{"司马相如", "相如", "", "司马"},
		{"诸葛亮", "亮", "", "诸葛"},
		{"欧阳", "", "", "欧阳"},
		{"张 伟", "伟", "", "张"},
		{"约翰·史密斯", "约翰", "", "史密斯"},
		{"Wei Zhang", "Wei", "", "Zhang"},
	}
	for _, tt := range tests {
		g, m, f := SplitFullName(tt.in)
		if g != tt.given || m != tt.middle || f != tt.family {
			t.Errorf("SplitFullName(%q) = %q, %q, %q; want %q, %q, %q", tt.in, g, m, f, tt.given, tt.middle, tt.family)
		}
	}
}

func TestNameKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Smith", "smith"},
		{"Wei Zhang", "wei zhang"},
		{"zhang wei", "wei zhang"},
		{"ZHANG,  Wei", "wei zhang"},
		{"José Pérez", "jose perez"},
		{"Pérez, José", "jose perez"},
		{"张伟", "伟张"},
		{"伟 张", "伟张"},
		{"张伟", NameKey("伟张")},
		{"John John", "john john"},
		{"张伟 David", "david 伟张"},
	}
	for _, tt := range tests {
		if got := NameKey(tt.in); got != tt.want {
			t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameSimilarity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b     string
		min, max float64
	}{
		{"John Smith", "John Smith", 1, 1},
		{"John Smith", "JOHN  smith", 1, 1},
		{"Zhang Wei", "Wei Zhang", 1, 1},
		{"José Pérez", "jose perez", 1, 1},
		{"Jonathan Smith", "Jonathon Smith", 0.9, 0.99},
		{"Catherine", "Katherine", 0.85, 0.99},
		{"John Smith", "Jane Doe", 0, 0.5},
		{"Ana María López", "Ana López", 0.85, 0.99},
		{"John F. Kennedy", "John Kennedy", 0.9, 0.99},
		{"J. Smith", "John Smith", 0.85, 0.99},
		{"John", "John Smith", 0.5, 0.7},
		{"Acme", "Globex", 0, 0.5},
		{"张伟", "张伟", 1, 1},
		{"张伟", "张玮", 0.5, 0.7},
		{"张伟", "伟张", 0.9, 0.99},
		{"张伟", "伟 张", 0.9, 0.99},
		{"张伟", "李娜", 0, 0.1},
		{"张伟", "Zhang Wei", 0, 0},
		{"", "", 0, 0},
		{"John", "", 0, 0},
		{"!!!", "John", 0, 0},
	}
	for _, tt := range tests {
		got := NameSimilarity(tt.a, tt.b)
		if got < tt.min || got > tt.max {
			t.Errorf("NameSimilarity(%q, %q) = %.3f, want in [%.2f, %.2f]", tt.a, tt.b, got, tt.min, tt.max)
		}
		if rev := NameSimilarity(tt.b, tt.a); rev != got {
			t.Errorf("NameSimilarity not symmetric for %q, %q: %v vs %v", tt.a, tt.b, got, rev)
		}
	}
}

func TestNameSimilarityManyTokens(t *testing.T) {
	t.Parallel()
	a := "a b c d e f g h i j k l m n o p q r s t u v w x y z"
	if got := NameSimilarity(a, a+" extra"); got < 0 || got > 1 {
		t.Errorf("NameSimilarity with many tokens = %v", got)
	}
}

func TestNameSimilarityNoAlloc(t *testing.T) {
	a, b := "jonathan smith", "jonathon smyth"
	if n := testing.AllocsPerRun(100, func() { _ = NameSimilarity(a, b) }); n != 0 {
		t.Errorf("NameSimilarity of folded names allocates %v times", n)
	}
}
