package main

import (
	"bufio"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
)

// vocabulary is the generator's words, most frequent first (the generator
// draws them from a Zipf distribution, as words in text are: the k-th
// word, from 0, with probability proportional to 1/(k+1)^1.2).
var vocabulary = strings.Fields(`the of and to a in is it you that he was for on are with as
I his they be at one have this from or had by hot word but what some we can out other were all
there when up use your how said an each she which do their time if will way about many then them
write would like so these her long make thing see him two has look more day could go come did
number sound no most people my over know water than call first who may down side been now find
any new work part take get place made live where after back little only round man year came show
every good me give our under name very through just form sentence great think say help low line
differ turn cause much mean before move right boy old too same tell does set three want air well
also play small end put home read hand port large spell add even land here must big high such
follow act why ask men change went light kind off need house picture try us again animal point
mother world near build self earth father head stand own page should country found answer school
grow study still learn plant cover food sun four between state keep eye never last let thought
city tree cross farm hard start might story saw far sea draw left late run don't while press
close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second
book carry took science eat room friend began idea fish mountain stop once base hear horse cut
sure watch color face wood main enough plain girl usual young ready above ever red list though
feel talk bird soon body dog family direct pose leave song measure door product black short
numeral class wind question happen complete ship area half rock order fire south problem piece
told knew pass since top whole king space heard best hour better true during hundred five
remember step early hold west ground interest reach fast verb sing listen six table travel less
morning ten simple several vowel toward war lay against pattern slow center love person money
serve appear road map rain rule govern pull cold notice voice unit power town fine certain fly
fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done
beauty drive stood contain front teach week final gave green oh quick develop ocean warm free
minute strong special mind behind clear tail produce fact street inch multiply nothing course
stay wheel full force blue object decide surface deep moon island foot system busy test record
boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate
miss brought heat snow tire bring yes distant fill east paint language among Café naïve`)

// maxLine bounds a generated line's length, newline included.
const maxLine = 100

// Generate writes size bytes of text lines for seed: words drawn from the
// vocabulary, some capitalized, some followed by punctuation, lines of
// 1 to 100 bytes, the last one cut to fit exactly (it may end without a
// newline, or be a run of spaces). The same (size, seed) gives the same
// bytes.
func (Workload) Generate(w io.Writer, size int64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x776f7264))
	cdf := zipfCDF()
	bw := bufio.NewWriterSize(w, 1<<16)
	line := make([]byte, 0, maxLine)
	for size > 0 {
		n := min(int64(20+rng.IntN(maxLine-20)), size) // this line's length, newline included
		line = line[:0]
		for {
			word := vocabulary[pick(cdf, rng.Uint64())]
			if len(line)+len(word)+2 > int(n)-1 { // the word, a separator, the newline
				break
			}
			if len(line) > 0 {
				line = append(line, ' ')
			}
			start := len(line)
			line = append(line, word...)
			if rng.IntN(8) == 0 && 'a' <= line[start] && line[start] <= 'z' {
				line[start] -= 'a' - 'A'
			}
			if rng.IntN(10) == 0 {
				line = append(line, ",.;!?"[rng.IntN(5)])
			}
		}
		for len(line) < int(n)-1 {
			line = append(line, ' ')
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
		size -= n
	}
	return bw.Flush()
}

// zipfExponent is the exponent of the words' Zipf distribution.
const zipfExponent = 1.2

// zipfCDF is the cumulative distribution of the vocabulary's words, scaled
// to [0, 2^64): word k is drawn for a uniform u < cdf[k] and ≥ cdf[k-1].
// A table lookup costs a binary search; rand.Zipf's rejection sampling
// costs logarithms and powers per word, which made generation slow.
var zipfCDF = sync.OnceValue(func() []uint64 {
	weights := make([]float64, len(vocabulary))
	total := 0.0
	for k := range weights {
		weights[k] = math.Pow(float64(k+1), -zipfExponent)
		total += weights[k]
	}
	cdf := make([]uint64, len(vocabulary))
	acc := 0.0
	for k, w := range weights {
		acc += w
		cdf[k] = uint64(acc / total * (1 << 63) * 2)
	}
	cdf[len(cdf)-1] = math.MaxUint64 // every u falls in some word
	return cdf
})

// pick is the word a uniform u draws from cdf.
func pick(cdf []uint64, u uint64) int {
	return sort.Search(len(cdf), func(k int) bool { return u < cdf[k] || k == len(cdf)-1 })
}
