-- student_results:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`procedure`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t5`.`n1`,
    `t5`.`c1`,
    `t5`.`n2`,
    `t5`.`d2`,
    `t5`.`n3`,
    `t5`.`d3`,
    `t5`.`n4`,
    `t5`.`c4`,
    `t5`.`n5`,
    `t5`.`d5`,
    `t5`.`n6`,
    `t5`.`d6`,
    `t5`.`n7`,
    `t5`.`c7`,
    `t5`.`n8`,
    `t5`.`d8`,
    `t5`.`n9`,
    `t5`.`d9`,
    `t5`.`n10`,
    `t5`.`d10`,
    `t5`.`n11`,
    `t5`.`c11`,
    `t5`.`n12`,
    `t5`.`d12`,
    `t5`.`n13`,
    `t5`.`d13`,
    `t5`.`n14`,
    `t5`.`d14`,
    `t5`.`n15`,
    `t5`.`d15`,
    `t5`.`n16`,
    `t5`.`d16`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`procedure`,
      `t3`.`subject`,
      `t3`.`grade`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n0`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d0`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n1`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `c1`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n2`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'math'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d2`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n3`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d3`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n4`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `c4`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n5`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d5`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n6`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d6`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n7`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `c7`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n8`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_base'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d8`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_profile'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          )
          AND (
            `t3`.`test_score` > 60
          ),
          1,
          0
        )
      ) AS `n9`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_profile'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `d9`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_profile'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
          )
          AND (
            `t3`.`test_score` < `t3`.`_min_threshold`
          ),
          1,
          0
        )
      ) AS `n10`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'math_profile'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
          ),
          1,
          0
        )
      ) AS `d10`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          `t3`.`test_score`,
          0.0
        )
      ) AS `n11`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `c11`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          )
          AND (
            `t3`.`test_score` > 60
          ),
          1,
          0
        )
      ) AS `n12`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `d12`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
          )
          AND (
            `t3`.`test_score` < `t3`.`_min_threshold`
          ),
          1,
          0
        )
      ) AS `n13`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`subject` = 'ru'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
          ),
          1,
          0
        )
      ) AS `d13`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'read'
          )
          AND (
            `t3`.`grade` = 4
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND `t3`.`level` IN ('basic', 'advanced', 'high'),
          1,
          0
        )
      ) AS `n14`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'read'
          )
          AND (
            `t3`.`grade` = 4
          )
          AND (
            `t3`.`level` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d14`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'read'
          )
          AND (
            `t3`.`grade` = 6
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND `t3`.`level` IN ('basic', 'advanced', 'high'),
          1,
          0
        )
      ) AS `n15`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'read'
          )
          AND (
            `t3`.`grade` = 6
          )
          AND (
            `t3`.`level` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d15`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'sci'
          )
          AND (
            `t3`.`grade` = 8
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND `t3`.`level` IN ('basic', 'advanced', 'high'),
          1,
          0
        )
      ) AS `n16`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`subject` = 'sci'
          )
          AND (
            `t3`.`grade` = 8
          )
          AND (
            `t3`.`level` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d16`
    FROM (
      SELECT
        `t1`.`batch_id`,
        `t1`.`org_id`,
        `t1`.`year`,
        `t1`.`procedure`,
        `t1`.`subject`,
        `t1`.`grade`,
        `t1`.`student`,
        `t1`.`class_label`,
        `t1`.`variant`,
        `t1`.`primary_score`,
        `t1`.`test_score`,
        `t1`.`mark`,
        `t1`.`journal_mark`,
        `t1`.`passed`,
        `t1`.`level`,
        CASE
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'bio'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'chem'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'eng'
          )
          THEN 22.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'geo'
          )
          THEN 37.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'hist'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'inf'
          )
          THEN 40.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'lit'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'math_profile'
          )
          THEN 27.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'phys'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'ru'
          )
          THEN 24.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS `_min_threshold`
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` IN ('EGE', 'KDR', 'OGE')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;
